"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.funnel import FunnelSection

__all__ = ["FunnelSection"]
