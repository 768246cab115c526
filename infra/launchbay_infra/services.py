"""What every Launchbay process is given: the plain environment (hosts, names, switches) and
the secret ARNs, plus the boot script of an EC2 host that runs Launchbay images in Docker."""
from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from .config import StageConfig
from .data import DataStack

XRAY_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.3.14"
DATA_DIR = "/var/lib/launchbay"


def mail_sender(cfg: StageConfig) -> str:
    return f"no-reply@{cfg.domain_name}"


def mail_names(cfg: StageConfig) -> tuple[str, str]:
    """SES's configuration set and the SQS queue its bounces and complaints reach (workers.py makes
    both): named, so every service's environment can say where they are without a stack reference."""
    return f"launchbay-{cfg.stage}", f"launchbay-{cfg.stage}-mail-events"


def environment(cfg: StageConfig, data: DataStack, *, lambda_: bool = False, proxy_hops: int = 0) -> dict[str, str]:
    """The environment of the API and worker processes; chalicelib/settings.py reads it.
    tests/infra/test_environment.py checks every setting is either here or deliberately left."""
    env = {
        "LAUNCHBAY_STAGE": cfg.stage,
        "LAUNCHBAY_SECRET_ARNS": ",".join(s.secret_arn for s in data.secrets),
        "REDIS_URL": data.redis_url,
        "OPENSEARCH_URL": data.search_url,
        "LAUNCHBAY_SEARCH_PREFIX": "launchbay",
        "MONGODB_DB": f"launchbay_{cfg.stage}",
        "LAUNCHBAY_QUEUE_PREFIX": "launchbay",
        "LAUNCHBAY_CLUSTER": "launchbay",
        "LAUNCHBAY_XRAY": "true" if cfg.prod else "false",
        "LAUNCHBAY_UI_ORIGINS": f"https://{cfg.domain_name}",
        # links in notifications and e-mails; e-mail from the domain's SES identity (workers.py)
        "LAUNCHBAY_PUBLIC_URL": f"https://{cfg.domain_name}",
        "LAUNCHBAY_MAIL_FROM": f"Launchbay <{mail_sender(cfg)}>",
        "LAUNCHBAY_MAIL_CONFIGURATION_SET": mail_names(cfg)[0],
        "LAUNCHBAY_MAIL_EVENTS_QUEUE": f"https://sqs.{cfg.region}.{Aws.URL_SUFFIX}/{Aws.ACCOUNT_ID}/{mail_names(cfg)[1]}",
        "LAUNCHBAY_TRUSTED_PROXY_HOPS": str(proxy_hops),
        # Lambda can only write to /tmp; nothing durable is kept there (the store is Atlas)
        "LAUNCHBAY_DATA_DIR": "/tmp/launchbay" if lambda_ else DATA_DIR,  # nosec B108
    }
    if not lambda_:  # Lambda sets the region itself and refuses AWS_DEFAULT_REGION
        env["AWS_DEFAULT_REGION"] = cfg.region
        env["AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1:2000"
    return env


def host_role(scope, cid: str, data: DataStack, secrets: bool = True) -> iam.Role:
    """An EC2 host: pulls images, reads the secrets, writes logs and traces; reached by SSM, never SSH."""
    role = iam.Role(scope, cid, assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"), managed_policies=[
        iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore"),
        iam.ManagedPolicy.from_aws_managed_policy_name("AWSXRayDaemonWriteAccess")])
    for secret in data.secrets if secrets else ():
        secret.grant_read(role)
    return role


def docker_host(stack: Stack, cfg: StageConfig, containers: list[dict], env: dict[str, str],
                log_group: str, xray: bool) -> ec2.UserData:
    """Boot script: Docker, an ECR login, the environment file, then each container
    (name, image, args) with restart=always and its logs in CloudWatch."""
    ud = ec2.UserData.for_linux()
    registry = f"{stack.account}.dkr.ecr.{stack.region}.amazonaws.com"
    ud.add_commands(
        "set -euo pipefail",
        "dnf install -y docker",
        "systemctl enable --now docker",
        f"aws ecr get-login-password --region {stack.region} | docker login --username AWS --password-stdin {registry}",
        f"mkdir -p {DATA_DIR} && chown 10001:10001 {DATA_DIR}",
        "cat > /etc/launchbay.env <<'ENV'",
        *[f"{k}={v}" for k, v in sorted(env.items())],
        "ENV",
        "chmod 600 /etc/launchbay.env")
    logs = f"--log-driver awslogs --log-opt awslogs-region={stack.region} --log-opt awslogs-group={log_group}"
    if xray:
        ud.add_commands(f"docker run -d --name xray --restart always --network host {logs} "
                        f"--log-opt awslogs-stream=xray {XRAY_IMAGE} -o -b 127.0.0.1:2000 --region {stack.region}")
    for c in containers:
        ud.add_commands(f"docker run -d --name {c['name']} --restart always --network host "
                        f"--env-file /etc/launchbay.env -v {DATA_DIR}:{DATA_DIR} {logs} "
                        f"--log-opt awslogs-stream={c['name']} {c['image']} {c['args']}".rstrip())
    return ud


def launch_template(scope, cid: str, *, instance_type: str, role: iam.Role, sg: ec2.ISecurityGroup,
                    user_data: ec2.UserData) -> ec2.LaunchTemplate:
    return ec2.LaunchTemplate(
        scope, cid, instance_type=ec2.InstanceType(instance_type), role=role, security_group=sg,
        machine_image=ec2.MachineImage.latest_amazon_linux2023(), user_data=user_data, require_imdsv2=True,
        block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(
            30, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3))])
