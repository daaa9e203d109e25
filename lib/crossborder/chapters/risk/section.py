"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.risk import RiskSection

__all__ = ["RiskSection"]
