"""Practice results, per volunteer, for the coordinator. A database of its own (IEP_TRAINING_DATABASE_URL,
by default var/training.db): volunteers' scores never share tables or a file with parents' cases.

A result is written in one transaction only once the answer has been scored, so nothing partial is
ever stored as complete.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Column, DateTime, Float, Integer, String, Text, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

from bot.training.practice import Answer, Score
from bot.training.scenarios import Scenario

TrainingBase = declarative_base()


class PracticeRow(TrainingBase):
    __tablename__ = "practice_results"
    id = Column(Integer, primary_key=True)
    session = Column(String(60), nullable=False, default="", index=True)  # the coordinator's name for a session
    volunteer = Column(String(60), nullable=False, index=True)
    scenario = Column(String(80), nullable=False)
    situation = Column(String(40), nullable=False)  # the scenario's main situation, for the report
    situations_score = Column(Float, nullable=False)
    rights_score = Column(Float, nullable=False)
    letter_score = Column(Float, nullable=False)
    advocate_score = Column(Float, nullable=False)
    total = Column(Integer, nullable=False)
    answer = Column(Text, nullable=False)  # JSON of what the volunteer chose
    created_at = Column(DateTime, nullable=False)


@dataclass(frozen=True)
class ReportRow:
    volunteer: str
    situation: str
    rounds: int
    average: float


@dataclass(frozen=True)
class Report:
    by_situation: list[ReportRow]
    most_missed: list[tuple[str, int, float]]  # scenario, rounds, average score, weakest first

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["volunteer", "situation", "rounds", "average_score"])
        writer.writerows([r.volunteer, r.situation, r.rounds, f"{r.average:.0f}"] for r in self.by_situation)
        writer.writerow([])
        writer.writerow(["most_missed_scenario", "rounds", "average_score"])
        writer.writerows([scenario, rounds, f"{average:.0f}"] for scenario, rounds, average in self.most_missed)
        return out.getvalue()


def training_engine(url: str) -> Engine:
    engine = create_engine(url, future=True, hide_parameters=True)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    TrainingBase.metadata.create_all(engine)  # one table, created if missing
    return engine


class TrainingStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, volunteer: str, scenario: Scenario, answer: Answer, scored: Score, now: datetime,
               session: str = "") -> int:
        row = PracticeRow(session=session, volunteer=volunteer, scenario=scenario.id,
                          situation=scenario.key.situations[0], situations_score=scored.parts["situations"],
                          rights_score=scored.parts["rights"], letter_score=scored.parts["letter"],
                          advocate_score=scored.parts["advocate"], total=scored.total,
                          answer=json.dumps({"situations": answer.situations, "rights": answer.rights,
                                             "letter": answer.letter, "advocate": answer.advocate_level}),
                          created_at=now)
        with Session(self.engine) as db, db.begin():
            db.add(row)
            db.flush()
            return row.id

    def report(self, session: str | None = None) -> Report:
        with Session(self.engine) as db:
            query = select(PracticeRow)
            if session:
                query = query.where(PracticeRow.session == session)
            rows = list(db.scalars(query))
        groups: dict[tuple[str, str], list[int]] = {}
        scenarios: dict[str, list[int]] = {}
        for row in rows:
            groups.setdefault((row.volunteer, row.situation), []).append(row.total)
            scenarios.setdefault(row.scenario, []).append(row.total)
        by_situation = [ReportRow(v, s, len(t), sum(t) / len(t)) for (v, s), t in sorted(groups.items())]
        missed = sorted(((name, len(t), sum(t) / len(t)) for name, t in scenarios.items() if min(t) < 100),
                        key=lambda item: (item[2], -item[1], item[0]))
        return Report(by_situation, missed[:10])
