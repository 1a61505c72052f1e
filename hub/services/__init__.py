"""Domain logic. Functions take a database session and explicit arguments, never a request."""
