"""EAEU documents: the invoice a corrected ESF (FIXED_INVOICE) replaces; no index on date or seller (unused, and
each one costs every load)

Revision ID: 0004_i12
Revises: 0003_i15
Create Date: 2026-12-05 04:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_i12'
down_revision = '0004_i11_key_profile'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('eaeu_documents') as batch:
        batch.add_column(sa.Column('corrects', sa.String(length=100), nullable=True))
    op.drop_index('ix_eaeu_documents_date', table_name='eaeu_documents')
    op.drop_index('ix_eaeu_documents_seller_tin', table_name='eaeu_documents')


def downgrade() -> None:
    op.create_index('ix_eaeu_documents_seller_tin', 'eaeu_documents', ['seller_tin'], unique=False)
    op.create_index('ix_eaeu_documents_date', 'eaeu_documents', ['date'], unique=False)
    with op.batch_alter_table('eaeu_documents') as batch:
        batch.drop_column('corrects')
