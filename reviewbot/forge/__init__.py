"""What the pull-request (GitHub) and merge-request (GitLab) reviews share: which findings become
inline comments (``plan``), and the change under review read from the clone (``checkout``)."""
