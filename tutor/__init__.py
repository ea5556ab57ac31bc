"""tutor: a terminal tutor that teaches PyTorch."""

__version__ = "0.1.0"


def _use_source_tree_layout() -> None:
    """Let ``tutor.checks`` and ``tutor.lessons`` resolve when running from a source checkout.

    Installed, they live inside the package. In the repository they sit beside it (``checks/``,
    ``lessons/``) so authors find them at the top level; an editable install maps them, and this
    covers running straight from a clone (``python -m tutor``) where no install did.
    """
    from pathlib import Path

    here = Path(__file__).resolve().parent
    if not (here / "checks").is_dir() and (here.parent / "checks" / "__init__.py").is_file():
        __path__.append(str(here.parent))


_use_source_tree_layout()
