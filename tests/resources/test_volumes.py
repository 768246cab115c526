"""Volumes (EFS) and the service's task role, against the moto sandbox: a volume is an encrypted,
backed-up file system with a mount target in each of the environment's subnets and one access
point; a linked service mounts it at its path (read-only if asked) through the access point, with
transit encryption and IAM authorization, and its task role may mount exactly the volumes and
use exactly the buckets it links."""
from __future__ import annotations

import json

import pytest

from tests.resources.test_resources import aws, connected_and_recorded, create, group_rules, settle

pytestmark = pytest.mark.services


def _task_definition(ports, dep) -> dict:
    ecs = ports.cloud_for(dep.get("target")).client("ecs")
    return ecs.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]


def _role_policy(ports, dep, role_arn: str) -> dict:
    iam = ports.cloud_for(dep.get("target")).client("iam")
    doc = iam.get_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="launchbay")["PolicyDocument"]
    return json.loads(doc) if isinstance(doc, str) else doc


def test_a_volume_is_mounted_where_the_link_says_through_its_access_point(make_org, ports):
    org = make_org()
    vol = create(org, name="uploads", kind="volume", deletion_protection=False)
    assert vol["kind"] == "volume" and vol["variable"] == "UPLOADS_PATH" and vol["size"] is None
    done = settle(ports, vol["id"])
    assert done["status"] == "available", done
    efs = aws(ports, vol, "efs")
    (fs,) = efs.describe_file_systems(CreationToken=done["aws"]["ident"])["FileSystems"]
    assert fs["Encrypted"] and fs["FileSystemId"] == done["aws"]["file_system_id"]
    assert efs.describe_backup_policy(FileSystemId=fs["FileSystemId"])["BackupPolicy"]["Status"] == "ENABLED"
    targets = efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]
    network = ports.cloud_for(done["target"]).ensure_network()
    assert sorted(t["SubnetId"] for t in targets) == sorted(network["subnets"])   # one per subnet of the environment
    # NFS from the services' tasks only
    ec2 = aws(ports, vol, "ec2")
    assert group_rules(ec2, done["aws"]["security_group"]) == [("tcp", 2049, 2049, network["security_groups"][0])]
    policy = json.loads(efs.describe_file_system_policy(FileSystemId=fs["FileSystemId"])["Policy"])
    allow, deny = policy["Statement"]
    assert allow["Principal"]["AWS"].endswith(":root") and allow["Condition"]["Bool"] == {
        "elasticfilesystem:AccessedViaMountTarget": "true"}       # the account's roles, by their own policies
    assert deny["Effect"] == "Deny" and deny["Condition"]["Bool"] == {"aws:SecureTransport": "false"}
    (point,) = efs.describe_access_points(FileSystemId=fs["FileSystemId"])["AccessPoints"]
    assert point["AccessPointId"] == done["aws"]["access_point_id"] and point["RootDirectory"]["Path"] == "/data"
    # what it holds, metered hourly: shown on it and priced instead of the assumed 10 GB
    from chalicelib.resources.engine import measure_volumes

    assert measure_volumes(ports)["measured"] >= 1
    shown = org.call("GET", f"/resources/{vol['id']}")[1]
    assert shown["used_bytes"] == fs["SizeInBytes"]["Value"]
    from chalicelib.cost.estimate import resource_estimate

    priced = resource_estimate(ports.store.collection("resources").get(vol["id"]), "us-east-1")
    assert priced["lines"][0]["item"] == "EFS Standard storage (1 GB measured)" and priced["monthly_min"] == 0.35

    web = org.service()
    status, linked = org.call("PUT", f"/services/{web['id']}/links/{vol['id']}", {"path": "/app/uploads/"})
    assert status == 200, linked
    assert (linked["path"], linked["read_only"], linked["variable"]) == ("/app/uploads", False, "UPLOADS_PATH")
    assert org.call("GET", f"/services/{web['id']}/links")[1]["items"][0]["path"] == "/app/uploads"

    plan = org.call("GET", f"/services/{web['id']}/plan")[1]
    role_step = next(s for s in plan["steps"] if s["step"] == "task_role")
    assert role_step["action"] == "create" and "volume uploads: read and write" in role_step["description"]
    td_step = next(s for s in plan["steps"] if s["step"] == "task_definition")
    assert td_step["changes"]["volumes"][1] == [f"/app/uploads <- {fs['FileSystemId']}"]

    dep = org.deploy(ports, web)
    assert dep["status"] == "live", dep.get("error")
    td = _task_definition(ports, dep)
    (volume,) = td["volumes"]
    assert {k: v for k, v in volume["efsVolumeConfiguration"].items() if k != "rootDirectory"} == {
        "fileSystemId": fs["FileSystemId"], "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": point["AccessPointId"], "iam": "ENABLED"}}
    (container,) = td["containerDefinitions"]
    assert container["mountPoints"] == [{"sourceVolume": "uploads", "containerPath": "/app/uploads", "readOnly": False}]
    assert {"name": "UPLOADS_PATH", "value": "/app/uploads"} in container["environment"]
    policy = _role_policy(ports, dep, td["taskRoleArn"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert statement["Resource"] == fs["FileSystemArn"]
    assert statement["Condition"] == {"StringEquals": {"elasticfilesystem:AccessPointArn": point["AccessPointArn"]}}

    # read-only: the mount and the role both say so, and the plan shows the change
    assert org.call("PUT", f"/services/{web['id']}/links/{vol['id']}", {"path": "/app/uploads", "read_only": True})[0] == 200
    plan = org.call("GET", f"/services/{web['id']}/plan")[1]
    role_step = next(s for s in plan["steps"] if s["step"] == "task_role")
    assert role_step["action"] == "update" and "volume uploads: read" in role_step["description"]
    dep = org.deploy(ports, web)
    td = _task_definition(ports, dep)
    assert td["containerDefinitions"][0]["mountPoints"][0]["readOnly"] is True
    assert _role_policy(ports, dep, td["taskRoleArn"])["Statement"][0]["Action"] == ["elasticfilesystem:ClientMount"]
    # and a deploy with nothing changed plans no change to the role
    again = org.call("GET", f"/services/{web['id']}/plan")[1]
    assert next(s for s in again["steps"] if s["step"] == "task_role")["action"] == "no-op"

    # linked: not deletable; unlinked: deleted with its mount targets and access point once confirmed
    assert org.call("DELETE", f"/resources/{vol['id']}?confirm=uploads")[0] == 409
    assert org.call("DELETE", f"/services/{web['id']}/links/{vol['id']}")[0] == 204
    status, err = org.call("DELETE", f"/resources/{vol['id']}")
    assert status == 422 and err["error"]["field"] == "confirm"
    assert org.call("DELETE", f"/resources/{vol['id']}?confirm=uploads")[0] == 202
    assert settle(ports, vol["id"]) is None
    assert efs.describe_file_systems(CreationToken=done["aws"]["ident"])["FileSystems"] == []


def test_a_bucket_link_gives_the_task_role_that_bucket_only(make_org, ports):
    org = make_org()
    files = settle(ports, create(org, name="files", kind="bucket")["id"])
    web = org.service()
    no_role = org.deploy(ports, web)
    assert "taskRoleArn" not in _task_definition(ports, no_role)   # links nothing: runs without a role
    assert org.call("PUT", f"/services/{web['id']}/links/{files['id']}", {"read_only": True})[1]["read_only"] is True
    dep = org.deploy(ports, web)
    assert dep["status"] == "live", dep.get("error")
    td = _task_definition(ports, dep)
    statements = {s["Sid"]: s for s in _role_policy(ports, dep, td["taskRoleArn"])["Statement"]}
    bucket = files["aws"]["ident"]
    assert statements["ListFiles"]["Resource"] == f"arn:aws:s3:::{bucket}"
    assert statements["ObjectsFiles"] == {"Sid": "ObjectsFiles", "Effect": "Allow", "Action": ["s3:GetObject"],
                                          "Resource": f"arn:aws:s3:::{bucket}/*"}
    assert org.call("PUT", f"/services/{web['id']}/links/{files['id']}", {})[0] == 200   # read and write
    dep = org.deploy(ports, web)
    objects = next(s for s in _role_policy(ports, dep, td["taskRoleArn"])["Statement"] if s["Sid"] == "ObjectsFiles")
    assert "s3:PutObject" in objects["Action"] and "s3:DeleteObject" in objects["Action"]

    # the role goes with the service
    iam = ports.cloud_for(dep.get("target")).client("iam")
    role = td["taskRoleArn"].rsplit("/", 1)[1]
    assert org.call("DELETE", f"/services/{web['id']}")[0] == 202
    from chalicelib.deploys import teardown
    assert teardown.run(ports, web["id"]) == "deleted"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=role)


def test_links_are_checked_against_their_kind(make_org, ports):
    org = make_org()
    prj = org.project()
    status, err = org.call("POST", f"/projects/{prj['id']}/resources",
                           {"name": "vv", "kind": "volume", "backup_retention_days": 3})
    assert status == 422 and err["error"]["field"] == "backup_retention_days"
    vol = create(org, name="data", kind="volume")
    other = create(org, name="more", kind="volume")
    db = create(org, name="db", kind="postgres")
    web = org.service()
    for res, body, field in ((vol, {}, "path"), (vol, {"path": "data"}, "path"), (vol, {"path": "/a/../b"}, "path"),
                             (vol, {"path": "/etc/app"}, "path"), (vol, {"path": "/"}, "path"),
                             (db, {"path": "/data"}, "path"), (db, {"read_only": True}, "read_only")):
        status, err = org.call("PUT", f"/services/{web['id']}/links/{res['id']}", body)
        assert status == 422 and err["error"]["field"] == field, (body, err)
    assert org.call("PUT", f"/services/{web['id']}/links/{vol['id']}", {"path": "/srv/data"})[0] == 200
    for path in ("/srv/data", "/srv/data/more", "/srv"):   # one inside the other would hide its files
        status, err = org.call("PUT", f"/services/{web['id']}/links/{other['id']}", {"path": path})
        assert status == 409 and err["error"]["field"] == "path", (path, err)
    assert org.call("PUT", f"/services/{web['id']}/links/{other['id']}", {"path": "/srv/more"})[0] == 200
    # a volume is not rotated, and a clone gets its own, empty, mounted at the same path
    status, err = org.call("POST", f"/resources/{vol['id']}/rotate")
    assert status == 422 and err["error"]["field"] == "resource"


def test_the_connection_policy_allows_every_volume_and_task_role_call(make_org, ports):
    """A volume and a bucket made, linked, deployed with, and deleted (the service too) through a
    connected (sandbox demo) account: every AWS call is one the published role policy allows."""
    from chalicelib.cloud import access
    from chalicelib.deploys import teardown

    org, _, seen = connected_and_recorded(make_org, ports)
    vol = settle(ports, create(org, name="data", kind="volume", deletion_protection=False)["id"])
    files = settle(ports, create(org, name="files", kind="bucket", deletion_protection=False)["id"])
    assert vol["status"] == files["status"] == "available"
    web = org.service()
    assert org.call("PUT", f"/services/{web['id']}/links/{vol['id']}", {"path": "/data"})[0] == 200
    assert org.call("PUT", f"/services/{web['id']}/links/{files['id']}", {})[0] == 200
    assert org.deploy(ports, web)["status"] == "live"
    status, body = org.call("DELETE", f"/services/{web['id']}")
    assert status == 202, body
    assert teardown.run(ports, web["id"]) == "deleted"
    for m in (vol, files):
        assert org.call("DELETE", f"/resources/{m['id']}?confirm={m['name']}")[0] == 202
        assert settle(ports, m["id"]) is None
    assert {"elasticfilesystem:CreateFileSystem", "elasticfilesystem:CreateMountTarget",
            "elasticfilesystem:CreateAccessPoint", "iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRole",
            "elasticfilesystem:DeleteFileSystem"} <= seen
    # the sandbox writes the simulated tasks' logs and Cloud Map registrations (ECS does on AWS)
    sandbox_only = {"logs:CreateLogStream", "logs:PutLogEvents", "servicediscovery:RegisterInstance"}
    assert seen - access.allowed_actions() - sandbox_only - {"sts:GetCallerIdentity"} == set()
