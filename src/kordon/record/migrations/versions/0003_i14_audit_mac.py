"""audit records signed with the server key (HMAC column)

Revision ID: 0003_i14
Revises: 0002
Create Date: 2026-12-05 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_i14'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records written before this revision stay unsigned: `kordon audit verify` names them.
    op.add_column('audit_log', sa.Column('mac', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('audit_log', 'mac')
