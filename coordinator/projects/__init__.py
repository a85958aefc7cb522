"""Projects: answers (versioned), their plans and plan items."""
