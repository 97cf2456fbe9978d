import subprocess
from datetime import date

import boto3
import click

from ops.deploy import announce, changed_files, current_revision, wait_healthy


@click.group()
def cli() -> None:
    """Operations toolbox."""


@cli.command()
@click.argument("service")
@click.option("--tag", required=True)
def deploy(service: str, tag: str) -> None:
    click.echo(f"deploying {service}:{tag} from {current_revision()}")
    subprocess.run(["helm", "upgrade", service, f"charts/{service}", "--set", f"image.tag={tag}", "--wait"], check=True)  # expect: RB201
    wait_healthy(service)
    announce(service, tag)


@cli.command()
@click.argument("service")
def logs(service: str) -> None:
    out = subprocess.check_output(["kubectl", "logs", f"deploy/{service}", "--tail=200"], text=True)  # expect: RB201
    click.echo(out)


@cli.command()
@click.option("--base", default="origin/main")
def changed(base: str) -> None:
    for path in changed_files(base):
        click.echo(path)


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("backup")
@click.option("--bucket", default="ops-backups")
def backup(bucket: str) -> None:
    s3 = boto3.client("s3")
    try:
        subprocess.run(["pg_dump", "--format=custom", "--file=/tmp/app.dump", "app"], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        raise click.ClickException(f"pg_dump failed: {exc}") from exc
    s3.upload_file("/tmp/app.dump", bucket, f"app/{date.today():%Y-%m-%d}.dump")  # expect: RB201
    click.echo(f"uploaded to s3://{bucket}")
