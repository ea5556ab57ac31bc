"""``python -m tutor`` runs the ``tutor`` command."""

from tutor.launch import main

main()
