"""Teacher groups (arbetslag) and the list of devices still holding unsynced observations."""
from __future__ import annotations

import datetime as dt
import uuid

from observe.auth.models import Role
from observe.extensions import db
from observe.schools.models import TeacherGroup
from observe.sync.models import Device


def test_create_and_edit_a_group(client, as_admin, post, make_user, school):
    anna = make_user(Role.TEACHER, name="Anna")
    bo = make_user(Role.TEACHER, name="Bo")
    response = post("/admin/groups/new", {"name": "Arbetslag F–3", "members": [anna.id, bo.id]})
    assert response.status_code == 302
    group = db.session.query(TeacherGroup).filter_by(school_id=school.id).one()
    assert [m.name for m in group.members] == ["Anna", "Bo"]
    assert "Arbetslag F–3" in client.get("/admin/groups").get_data(as_text=True)
    post(f"/admin/groups/{group.id}", {"name": "Arbetslag F-3", "members": [bo.id]})
    db.session.refresh(group)
    assert group.name == "Arbetslag F-3" and [m.name for m in group.members] == ["Bo"]


def test_group_names_are_unique_within_the_school(as_admin, post, school):
    db.session.add(TeacherGroup(school_id=school.id, name="Matte"))
    db.session.commit()
    response = post("/admin/groups/new", {"name": "matte"})
    assert response.status_code == 400
    assert "already a group with this name" in response.get_data(as_text=True)


def test_people_of_another_school_cannot_be_members(as_admin, post, outsider, school):
    response = post("/admin/groups/new", {"name": "Blandat", "members": [outsider.id]})
    assert response.status_code == 400
    assert db.session.query(TeacherGroup).filter_by(school_id=school.id).count() == 0


def test_deleting_a_group_keeps_its_members(as_admin, post, teacher, school):
    group = TeacherGroup(school_id=school.id, name="Svenska", members=[teacher])
    db.session.add(group)
    db.session.commit()
    group_id, teacher_id = group.id, teacher.id
    assert post(f"/admin/groups/{group_id}/delete", page="/admin/groups").status_code == 302
    assert db.session.get(TeacherGroup, group_id) is None
    assert db.session.get(type(teacher), teacher_id).active


def test_devices_with_unsynced_data_are_listed_oldest_first(client, as_admin, make_user, outsider):
    now = dt.datetime.now(dt.timezone.utc)
    anna = make_user(Role.TEACHER, name="Anna Ansson")
    rut = make_user(Role.PRINCIPAL, name="Rut Rektorsson")
    calm = make_user(Role.TEACHER, name="Calle Klar")
    db.session.add_all([
        Device(user_id=anna.id, device_uuid=uuid.uuid4(), pending_count=2, oldest_pending_at=now - dt.timedelta(hours=3)),
        Device(user_id=rut.id, device_uuid=uuid.uuid4(), pending_count=7, oldest_pending_at=now - dt.timedelta(days=2)),
        Device(user_id=calm.id, device_uuid=uuid.uuid4(), pending_count=0),
        Device(user_id=outsider.id, device_uuid=uuid.uuid4(), pending_count=4, oldest_pending_at=now),
    ])
    db.session.commit()
    html = client.get("/admin/devices").get_data(as_text=True)
    assert html.index("Rut Rektorsson") < html.index("Anna Ansson")
    assert "Calle Klar" not in html and "Olle" not in html
    assert "2 devices still hold observations" in client.get("/admin/").get_data(as_text=True)
