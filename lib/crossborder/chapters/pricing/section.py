"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.pricing import Pricing

__all__ = ["Pricing"]
