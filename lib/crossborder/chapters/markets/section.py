"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.markets import MarketSelection

__all__ = ["MarketSelection"]
