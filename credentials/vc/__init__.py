"""Verifiable credentials: Open Badges 3.0 on the W3C VC Data Model 2.0, signed with
DataIntegrityProof / eddsa-rdfc-2022, revocable through a Bitstring Status List.

Everything here is pure (no database): documents in, documents out. The models and services
that store credentials live in credentials.models / credentials.services.issuance.
"""
