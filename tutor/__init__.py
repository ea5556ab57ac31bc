"""tutor: a terminal tutor that teaches PyTorch."""

__version__ = "0.1.0"


def _use_source_tree_layout() -> None:
    """Let ``tutor.checks`` and ``tutor.lessons`` resolve when running from a source checkout.

    Installed, they live inside the package. In the repository they sit beside it (``checks/``,
    ``lessons/``) so authors find them at the top level; an editable install maps them, and this
    covers running straight from a clone (``python -m tutor``) where no install did.
    """
    import os.path  # not pathlib: this runs first in every worker, where start-up time counts

    here = os.path.dirname(os.path.realpath(__file__))
    parent = os.path.dirname(here)
    checks = os.path.join(parent, "checks", "__init__.py")
    if not os.path.isdir(os.path.join(here, "checks")) and os.path.isfile(checks):
        __path__.append(parent)


_use_source_tree_layout()
