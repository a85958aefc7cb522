"""Companies (建设单位): the project owners' organisations, their staff and their self-registration."""
