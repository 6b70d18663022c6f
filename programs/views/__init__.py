"""Views of the programs app, one module per area; each module starts every
view with the access gate (programs.access.get_program_for)."""
