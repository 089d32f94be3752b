"""Administration: schools, staff, roles."""
