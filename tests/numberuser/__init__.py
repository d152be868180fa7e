"""A user model whose USERNAME_FIELD is an integer, for tests run in their own process."""
