"""web sessions of the officers' workspace

Revision ID: 0003_i15
Revises: 0003_i12_documents
Create Date: 2026-12-05 01:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_i15'
down_revision = '0003_i12_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['api_keys.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_sha256')
    )
    op.create_index(op.f('ix_web_sessions_key_id'), 'web_sessions', ['key_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_sessions_key_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
