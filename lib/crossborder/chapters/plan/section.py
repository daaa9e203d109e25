"""The plan chapter's scenario section. TEMPORARY re-export until the package split."""

from crossborder.chapters.plan.model import PlanSettings

__all__ = ["PlanSettings"]
