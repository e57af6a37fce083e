"""Shared building blocks: settings, errors, HTTP helpers, AWS access, clock, security."""
