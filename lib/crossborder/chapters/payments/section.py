"""The chapter's scenario section (pydantic only). TEMPORARY re-export until the package split."""

from crossborder.chapters.payments import Payments

__all__ = ["Payments"]
