"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.fx import FxSection

__all__ = ["FxSection"]
