"""The gradebook's pages, one module per part: grid, assessments, term grades, CSV."""
