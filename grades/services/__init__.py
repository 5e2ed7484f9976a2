"""Every write of grades, one module per subject: scores, assessments, term grades."""
