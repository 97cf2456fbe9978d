"""Pull-request mode: findings as review comments, one summary comment, graceful fallbacks."""
