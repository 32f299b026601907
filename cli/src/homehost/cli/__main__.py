"""`python -m homehost.cli`: the `homehost` command, for detached starts."""

from homehost.cli.main import main

main()
