"""The Auth.js SQL schema as Django models: the tables and columns ``@auth/pg-adapter`` uses,
and authsession's own tables beside them (two-factor, session details and generations, passwords).

Table and column names are Auth.js' (``users``, ``"userId"``, ``"sessionToken"``...); the Python
attribute names are snake_case. Ids are integers the database assigns. The tables are created by
this app's migration with the same DDL as ``authsession/adapters/sql/`` (see
:mod:`authsession.adapters.django.schema`), so a Next.js app on ``@auth/pg-adapter`` can share them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models


class User(models.Model):
    id: models.AutoField[int, int] = models.AutoField(primary_key=True)
    name: models.CharField[str | None, str | None] = models.CharField(max_length=255, null=True)
    email: models.CharField[str | None, str | None] = models.CharField(max_length=255, null=True, unique=True)
    email_verified: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, db_column="emailVerified"
    )
    image: models.TextField[str | None, str | None] = models.TextField(null=True)

    class Meta:
        db_table = "users"

    def __str__(self) -> str:
        return self.email or self.name or f"user {self.pk}"


def _row_of_user(related_name: str) -> models.OneToOneField[User, User]:
    """The key of a table with one row per user at most: ``"userId"``, cascading."""
    return models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, db_column="userId", related_name=related_name
    )


class Account(models.Model):
    """A provider account linked to a user; the snake_case token columns are OAuth's names."""

    id: models.AutoField[int, int] = models.AutoField(primary_key=True)
    # db_index=False: the Auth.js schema has no index on "userId" (the unique pair serves lookups).
    user: models.ForeignKey[User, User] = models.ForeignKey(
        User, on_delete=models.CASCADE, db_column="userId", db_index=False, related_name="accounts"
    )
    user_id: int  # the column behind ``user``
    type: models.CharField[str, str] = models.CharField(max_length=255)
    provider: models.CharField[str, str] = models.CharField(max_length=255)
    provider_account_id: models.CharField[str, str] = models.CharField(max_length=255, db_column="providerAccountId")
    refresh_token: models.TextField[str | None, str | None] = models.TextField(null=True)
    access_token: models.TextField[str | None, str | None] = models.TextField(null=True)
    expires_at: models.BigIntegerField[int | None, int | None] = models.BigIntegerField(
        null=True
    )  # seconds since the epoch
    id_token: models.TextField[str | None, str | None] = models.TextField(null=True)
    scope: models.TextField[str | None, str | None] = models.TextField(null=True)
    session_state: models.TextField[str | None, str | None] = models.TextField(null=True)
    token_type: models.TextField[str | None, str | None] = models.TextField(null=True)

    class Meta:
        db_table = "accounts"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_account_id"], name="accounts_provider_providerAccountId_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_account_id}"


class Session(models.Model):
    """A database session: the session cookie holds ``session_token``."""

    id: models.AutoField[int, int] = models.AutoField(primary_key=True)
    user: models.ForeignKey[User, User] = models.ForeignKey(
        User, on_delete=models.CASCADE, db_column="userId", db_index=False, related_name="sessions"
    )
    user_id: int  # the column behind ``user``
    expires: models.DateTimeField[datetime, datetime] = models.DateTimeField()
    session_token: models.CharField[str, str] = models.CharField(max_length=255, unique=True, db_column="sessionToken")

    class Meta:
        db_table = "sessions"

    def __str__(self) -> str:
        # Never the token: it is the session.
        return f"session {self.pk} of user {self.user_id}"


class VerificationToken(models.Model):
    """An email sign-in token (stored hashed), usable once."""

    pk = models.CompositePrimaryKey("identifier", "token")
    identifier: models.TextField[str, str] = models.TextField()
    expires: models.DateTimeField[datetime, datetime] = models.DateTimeField()
    token: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "verification_token"

    def __str__(self) -> str:
        return f"email token for {self.identifier}"


class Authenticator(models.Model):
    """A passkey (WebAuthn credential) of a user: Auth.js 5's Authenticator record."""

    pk = models.CompositePrimaryKey("user_id", "credential_id")
    credential_id: models.TextField[str, str] = models.TextField(unique=True, db_column="credentialID")
    user: models.ForeignKey[User, User] = models.ForeignKey(
        User, on_delete=models.CASCADE, db_column="userId", db_index=False, related_name="authenticators"
    )
    user_id: int  # the column behind ``user``
    provider_account_id: models.TextField[str, str] = models.TextField(db_column="providerAccountId")
    credential_public_key: models.TextField[str, str] = models.TextField(db_column="credentialPublicKey")
    counter: models.IntegerField[int, int] = models.IntegerField()
    credential_device_type: models.TextField[str, str] = models.TextField(db_column="credentialDeviceType")
    credential_backed_up: models.BooleanField[bool, bool] = models.BooleanField(db_column="credentialBackedUp")
    transports: models.TextField[str | None, str | None] = models.TextField(null=True)

    class Meta:
        db_table = "authenticators"

    def __str__(self) -> str:
        return f"passkey of user {self.user_id}"


class TwoFactor(models.Model):
    """A user's TOTP enrolment: authsession's two-factor sign-in, not part of Auth.js.

    ``secret`` is encrypted by authsession; ``last_step`` is the newest TOTP step used.
    """

    user: models.OneToOneField[User, User] = _row_of_user("two_factor")
    user_id: int  # the column behind ``user``
    secret: models.TextField[str, str] = models.TextField()
    enabled_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, db_column="enabledAt"
    )
    last_step: models.BigIntegerField[int, int] = models.BigIntegerField(default=0, db_default=0, db_column="lastStep")

    class Meta:
        db_table = "two_factor"

    def __str__(self) -> str:
        return f"two-factor of user {self.user_id}"


class TwoFactorRecoveryCode(models.Model):
    """One single-use recovery code of a user, as a hash."""

    pk = models.CompositePrimaryKey("user_id", "code_hash")
    user: models.ForeignKey[User, User] = models.ForeignKey(
        User, on_delete=models.CASCADE, db_column="userId", db_index=False, related_name="recovery_codes"
    )
    user_id: int  # the column behind ``user``
    code_hash: models.CharField[str, str] = models.CharField(max_length=255, db_column="codeHash")

    class Meta:
        db_table = "two_factor_recovery_codes"

    def __str__(self) -> str:
        return f"recovery code of user {self.user_id}"


class SessionDetail(models.Model):
    """When a database session was created, and from which browser and address if the app records
    them ("Your sessions"). A session ``@auth/pg-adapter`` created has no row here."""

    session: models.OneToOneField[Session, Session] = models.OneToOneField(
        Session,
        on_delete=models.CASCADE,
        primary_key=True,
        to_field="session_token",
        db_column="sessionToken",
        related_name="details",
    )
    session_id: str  # the column behind ``session``: the session token
    created_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, db_column="createdAt"
    )
    user_agent: models.TextField[str | None, str | None] = models.TextField(null=True, db_column="userAgent")
    ip: models.CharField[str | None, str | None] = models.CharField(max_length=45, null=True)

    class Meta:
        db_table = "session_details"

    def __str__(self) -> str:
        # Never the token: it is the session.
        return f"details of a session from {self.created_at}"


class SessionGeneration(models.Model):
    """A user's session generation: JWT sessions issued under an older one no longer open."""

    user: models.OneToOneField[User, User] = _row_of_user("session_generation")
    user_id: int  # the column behind ``user``
    generation: models.BigIntegerField[int, int] = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "session_generations"

    def __str__(self) -> str:
        return f"session generation {self.generation} of user {self.user_id}"


class Password(models.Model):
    """The argon2id hash of a password user's password (authsession.providers.password)."""

    user: models.OneToOneField[User, User] = _row_of_user("password")
    user_id: int  # the column behind ``user``
    hash: models.TextField[str, str] = models.TextField()
    updated_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_column="updatedAt")

    class Meta:
        db_table = "passwords"

    def __str__(self) -> str:
        # Never the hash.
        return f"password of user {self.user_id}"
