"""The rule base as the admin governs it: versions (draft → validated →
published), the admin's holiday calendar, impact previews and re-planning."""
