"""Privacy: retention, "what is stored about me" with export, the audit log views, and the
personal identity number warning (the GDPR rules of docs/security.md)."""
