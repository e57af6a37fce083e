"""Employees: accounts of the company's staff, their roles, and their own sign-in (the staff realm)."""
