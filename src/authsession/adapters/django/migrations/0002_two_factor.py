"""authsession's two-factor tables, two_factor and two_factor_recovery_codes (not Auth.js').

Made on PostgreSQL and SQLite by ``authsession/adapters/sql/002_two_factor`` (see
:mod:`authsession.adapters.django.schema`), as SQLAlchemyAdapter makes them.
"""

from typing import ClassVar

import django.db.models.deletion
from django.db import migrations, models

from authsession.adapters.django.schema import CreateTables


class Migration(migrations.Migration):
    dependencies: ClassVar[list[tuple[str, str]]] = [("authsession_adapter", "0001_initial")]

    operations = [
        CreateTables(
            steps=["002_two_factor"],
            models=[
                migrations.CreateModel(
                    name="TwoFactor",
                    fields=[
                        (
                            "user",
                            models.OneToOneField(
                                db_column="userId",
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="two_factor",
                                serialize=False,
                                to="authsession_adapter.user",
                            ),
                        ),
                        ("secret", models.TextField()),
                        ("enabled_at", models.DateTimeField(db_column="enabledAt", null=True)),
                        ("last_step", models.BigIntegerField(db_column="lastStep", db_default=0, default=0)),
                    ],
                    options={"db_table": "two_factor"},
                ),
                migrations.CreateModel(
                    name="TwoFactorRecoveryCode",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "user_id", "code_hash", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("code_hash", models.CharField(db_column="codeHash", max_length=255)),
                        (
                            "user",
                            models.ForeignKey(
                                db_column="userId",
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="recovery_codes",
                                to="authsession_adapter.user",
                            ),
                        ),
                    ],
                    options={"db_table": "two_factor_recovery_codes"},
                ),
            ],
        )
    ]
