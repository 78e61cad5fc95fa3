"""API keys carry a jurisdiction profile, which a key may be pinned to

Revision ID: 0004_i11_key_profile
Revises: 0003_i15
Create Date: 2026-12-05 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_i11_key_profile'
down_revision = '0003_i15'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Keys made before this revision have no profile (the server's settings decide) and, as before,
    # let a request name one.
    op.add_column('api_keys', sa.Column('profile', sa.String(length=100), nullable=True))
    op.add_column('api_keys', sa.Column('profile_override', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column('api_keys', 'profile_override')
    op.drop_column('api_keys', 'profile')
