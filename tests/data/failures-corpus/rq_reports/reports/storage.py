import os
from datetime import datetime

import boto3


class ReportStorage:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self._s3 = boto3.client("s3")

    def upload(self, key: str, body: bytes) -> str:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="text/csv")  # expect: RB201
        return f"s3://{self.bucket}/{key}"

    def keys_older_than(self, prefix: str, cutoff: datetime) -> list[str]:
        keys: list[str] = []
        kwargs = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            page = self._s3.list_objects_v2(**kwargs)  # expect: RB201
            keys.extend(obj["Key"] for obj in page.get("Contents", []) if obj["LastModified"] < cutoff)
            if not page.get("IsTruncated"):
                break
            kwargs["ContinuationToken"] = page["NextContinuationToken"]
        return keys

    def delete(self, keys: list[str]) -> None:
        self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in keys]})


exports = ReportStorage(os.environ.get("REPORTS_BUCKET", "acme-reports"))
