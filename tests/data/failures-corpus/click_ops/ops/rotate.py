import boto3
import click
from botocore.exceptions import BotoCoreError, ClientError


@click.command()
@click.argument("user_name")
def rotate_keys(user_name: str) -> None:
    """Create a fresh access key for USER_NAME and delete the old ones."""
    iam = boto3.client("iam")
    try:
        new_key = iam.create_access_key(UserName=user_name)["AccessKey"]
        for key in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
            if key["AccessKeyId"] != new_key["AccessKeyId"]:
                iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
    except (BotoCoreError, ClientError) as exc:
        raise click.ClickException(f"rotation failed: {exc}") from exc
    click.echo(new_key["AccessKeyId"])


if __name__ == "__main__":
    rotate_keys()
