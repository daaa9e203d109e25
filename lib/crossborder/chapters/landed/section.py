"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.landed import Landed

__all__ = ["Landed"]
