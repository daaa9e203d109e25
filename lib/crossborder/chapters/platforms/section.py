"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.platforms import Platforms

__all__ = ["Platforms"]
