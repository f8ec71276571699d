# Access grants, revocation, offboarding and the audit log arrive with the governance issue.
