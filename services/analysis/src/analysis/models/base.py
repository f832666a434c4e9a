from sqlalchemy.orm import DeclarativeBase

from common.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
