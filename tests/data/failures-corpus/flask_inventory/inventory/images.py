import os

import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3", region_name=os.environ.get("AWS_REGION", "eu-west-1"))
BUCKET = os.environ.get("IMAGES_BUCKET", "inventory-images")


class ImageStore:
    def upload(self, sku: str, data: bytes) -> str:
        key = f"items/{sku}.jpg"
        s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType="image/jpeg")
        return key

    def exists(self, sku: str) -> bool:
        try:
            s3.head_object(Bucket=BUCKET, Key=f"items/{sku}.jpg")
        except ClientError as exc:  # expect: RB206
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
                return False
        return True

    def signed_url(self, sku: str) -> str | None:
        key = f"items/{sku}.jpg"
        try:
            s3.head_object(Bucket=BUCKET, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
                return None
            raise
        return s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=900)


images = ImageStore()
