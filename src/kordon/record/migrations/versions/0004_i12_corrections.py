"""EAEU documents: the invoice a corrected ESF (FIXED_INVOICE) replaces

Revision ID: 0004_i12
Revises: 0003_i15
Create Date: 2026-12-05 04:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_i12'
down_revision = '0003_i15'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('eaeu_documents') as batch:
        batch.add_column(sa.Column('corrects', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('eaeu_documents') as batch:
        batch.drop_column('corrects')
