"""The partner API (/api/v1/): a partner's case-management system reads its open applications
and posts decisions, authenticated by a partner API key.

Only the minimum leaves the portal: no names, e-mail addresses or case numbers (a case number is
reported only as present or absent). Every record read and every decision is in the audit log.
"""
