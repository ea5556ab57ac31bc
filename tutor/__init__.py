"""tutor: a terminal tutor that teaches PyTorch."""

__version__ = "0.1.0"
