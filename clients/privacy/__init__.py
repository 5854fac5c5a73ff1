"""Data protection: legal holds, retention, subject access and erasure."""
