#!/usr/bin/env bash
# edd bank on Google Cloud Run, the whole system: Cloud SQL for PostgreSQL reached through the Cloud SQL
# connector, its URL in Secret Manager, a private service (--no-allow-unauthenticated), Pub/Sub push
# with an OIDC service account and a dead-letter topic, Cloud Scheduler jobs for the outbox sweep and
# the projections, and an Eventarc trigger turning uploads under commands/ into commands.
# Run from the repository root after `npm run build`; needs gcloud (logged in) and docker buildx.
# Walkthrough and costs: docs/deploy.md. Safe to run again: what exists is kept.
set -euo pipefail

PROJECT="${PROJECT:?set PROJECT}"
REGION="${REGION:-europe-west1}"
SERVICE="${SERVICE:-edd-bank}"
# Tokens clients send (edd checks them again behind Cloud Run IAM): Identity Platform, Entra ID, Keycloak...
JWT_ISSUER="${JWT_ISSUER:?set JWT_ISSUER}"
JWT_AUDIENCE="${JWT_AUDIENCE:?set JWT_AUDIENCE}"
JWT_JWKS_URL="${JWT_JWKS_URL:?set JWT_JWKS_URL}"
SQL_INSTANCE="${SQL_INSTANCE:-edd-bank-pg}"
SQL_TIER="${SQL_TIER:-db-custom-1-3840}"

TOPIC="edd-bank-commands"
DEAD_TOPIC="edd-bank-commands-dlq"
SECRET="edd-bank-database-url"
MASTER_KEY_SECRET="edd-bank-master-key"
BUCKET="${PROJECT}-edd-bank-commands"
IMAGE="${REGION}-docker.pkg.dev/${PROJECT}/edd/${SERVICE}"
RUNTIME_ACCOUNT="${SERVICE}-run@${PROJECT}.iam.gserviceaccount.com"
# One identity for every machine caller: Pub/Sub push, Cloud Scheduler and Eventarc sign OIDC tokens as it.
INVOKER_ACCOUNT="${SERVICE}-invoker@${PROJECT}.iam.gserviceaccount.com"

PROJECT_NUMBER="$(gcloud projects describe "$PROJECT" --format 'value(projectNumber)')"
# The service's deterministic URL, known before the first deploy: the audience of every OIDC token.
URL="https://${SERVICE}-${PROJECT_NUMBER}.${REGION}.run.app"
PUBSUB_AGENT="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"

exists() { "$@" >/dev/null 2>&1; }

gcloud services enable run.googleapis.com sqladmin.googleapis.com secretmanager.googleapis.com pubsub.googleapis.com \
  cloudscheduler.googleapis.com eventarc.googleapis.com artifactregistry.googleapis.com --project "$PROJECT"

# --- The image: the bundle only, built for Cloud Run's linux/amd64 whatever machine runs this.
exists gcloud artifacts repositories describe edd --project "$PROJECT" --location "$REGION" ||
  gcloud artifacts repositories create edd --project "$PROJECT" --location "$REGION" --repository-format docker
gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet
docker buildx build --platform linux/amd64 -f examples/bank/deploy/container/Dockerfile -t "$IMAGE" --push dist/cloud-run

# --- Identities.
for account in "${SERVICE}-run" "${SERVICE}-invoker"; do
  exists gcloud iam service-accounts describe "${account}@${PROJECT}.iam.gserviceaccount.com" --project "$PROJECT" ||
    gcloud iam service-accounts create "$account" --project "$PROJECT"
done

# --- PostgreSQL: Cloud SQL, no public IP authorised networks; the service connects through the connector's socket.
if ! exists gcloud sql instances describe "$SQL_INSTANCE" --project "$PROJECT"; then
  gcloud sql instances create "$SQL_INSTANCE" --project "$PROJECT" --region "$REGION" \
    --database-version POSTGRES_16 --tier "$SQL_TIER" --storage-auto-increase --backup-start-time 02:00 \
    --require-ssl
  gcloud sql databases create bank --instance "$SQL_INSTANCE" --project "$PROJECT"
  DB_PASSWORD="$(openssl rand -base64 30 | tr -d '/+=' | head -c 32)"
  gcloud sql users create edd_bank --instance "$SQL_INSTANCE" --project "$PROJECT" --password "$DB_PASSWORD"
  CONNECTION_NAME="$(gcloud sql instances describe "$SQL_INSTANCE" --project "$PROJECT" --format 'value(connectionName)')"
  # The connector mounts a Unix socket at /cloudsql/<connection name>: no TLS setup, no IP allow-list.
  printf 'postgres://edd_bank:%s@/bank?host=/cloudsql/%s' "$DB_PASSWORD" "$CONNECTION_NAME" |
    gcloud secrets create "$SECRET" --project "$PROJECT" --replication-policy automatic --data-file -
  unset DB_PASSWORD
fi
CONNECTION_NAME="$(gcloud sql instances describe "$SQL_INSTANCE" --project "$PROJECT" --format 'value(connectionName)')"
gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:${RUNTIME_ACCOUNT}" --role roles/cloudsql.client --condition None
gcloud secrets add-iam-policy-binding "$SECRET" --project "$PROJECT" --member "serviceAccount:${RUNTIME_ACCOUNT}" --role roles/secretmanager.secretAccessor

# --- The master key that wraps the per-account keys of personal data (docs/privacy.md): made once, never printed.
exists gcloud secrets describe "$MASTER_KEY_SECRET" --project "$PROJECT" ||
  openssl rand -base64 32 | tr -d '\n' |
  gcloud secrets create "$MASTER_KEY_SECRET" --project "$PROJECT" --replication-policy automatic --data-file -
gcloud secrets add-iam-policy-binding "$MASTER_KEY_SECRET" --project "$PROJECT" --member "serviceAccount:${RUNTIME_ACCOUNT}" --role roles/secretmanager.secretAccessor

# --- The uploads bucket. The service reads uploaded files through Cloud Storage's S3-compatible API
# with an HMAC key of its own account (a CloudEvent carries only the object's name).
exists gcloud storage buckets describe "gs://${BUCKET}" --project "$PROJECT" ||
  gcloud storage buckets create "gs://${BUCKET}" --project "$PROJECT" --location "$REGION" \
    --uniform-bucket-level-access --public-access-prevention
gcloud storage buckets add-iam-policy-binding "gs://${BUCKET}" --member "serviceAccount:${RUNTIME_ACCOUNT}" --role roles/storage.objectViewer
if ! exists gcloud secrets describe "${SERVICE}-gcs-hmac-secret" --project "$PROJECT"; then
  HMAC="$(gcloud storage hmac create "$RUNTIME_ACCOUNT" --project "$PROJECT" --format 'value(metadata.accessId,secret)')"
  printf '%s' "${HMAC%%$'\t'*}" | gcloud secrets create "${SERVICE}-gcs-hmac-id" --project "$PROJECT" --replication-policy automatic --data-file -
  printf '%s' "${HMAC#*$'\t'}" | gcloud secrets create "${SERVICE}-gcs-hmac-secret" --project "$PROJECT" --replication-policy automatic --data-file -
  unset HMAC
fi
for secret in "${SERVICE}-gcs-hmac-id" "${SERVICE}-gcs-hmac-secret"; do
  gcloud secrets add-iam-policy-binding "$secret" --project "$PROJECT" --member "serviceAccount:${RUNTIME_ACCOUNT}" --role roles/secretmanager.secretAccessor
done

# --- The service: private. Every caller needs roles/run.invoker, then edd checks its own token:
# clients' JWTs on /command and /query, the invoker's OIDC tokens (one audience: the URL) on the
# push, scheduler and event routes.
gcloud run deploy "$SERVICE" --project "$PROJECT" --region "$REGION" --image "$IMAGE" \
  --no-allow-unauthenticated \
  --service-account "$RUNTIME_ACCOUNT" \
  --add-cloudsql-instances "$CONNECTION_NAME" \
  --set-secrets "DATABASE_URL=${SECRET}:latest,EDD_MASTER_KEY=${MASTER_KEY_SECRET}:latest,EDD_GCS_HMAC_ACCESS_ID=${SERVICE}-gcs-hmac-id:latest,EDD_GCS_HMAC_SECRET=${SERVICE}-gcs-hmac-secret:latest" \
  --set-env-vars "^|^EDD_PUSH_AUDIENCE=${URL}|EDD_PUSH_SERVICE_ACCOUNT=${INVOKER_ACCOUNT}|EDD_SCHEDULER_AUDIENCE=${URL}|EDD_SCHEDULER_SERVICE_ACCOUNT=${INVOKER_ACCOUNT}|EDD_EVENTARC_AUDIENCE=${URL}|EDD_EVENTARC_SERVICE_ACCOUNT=${INVOKER_ACCOUNT}|EDD_UPLOADS=gs://${BUCKET}|EDD_JWT_ISSUER=${JWT_ISSUER}|EDD_JWT_AUDIENCE=${JWT_AUDIENCE}|EDD_JWT_JWKS_URL=${JWT_JWKS_URL}|EDD_DB_POOL_SIZE=4" \
  --cpu 1 --memory 512Mi --concurrency 40 --min-instances 0 --max-instances 20 --timeout 60
gcloud run services add-iam-policy-binding "$SERVICE" --project "$PROJECT" --region "$REGION" \
  --member "serviceAccount:${INVOKER_ACCOUNT}" --role roles/run.invoker

# --- Commands by Pub/Sub push, ordered per aggregate, with a dead-letter topic that has a subscription
# (without one, dead letters are lost).
exists gcloud pubsub topics describe "$TOPIC" --project "$PROJECT" || gcloud pubsub topics create "$TOPIC" --project "$PROJECT"
exists gcloud pubsub topics describe "$DEAD_TOPIC" --project "$PROJECT" || gcloud pubsub topics create "$DEAD_TOPIC" --project "$PROJECT"
exists gcloud pubsub subscriptions describe "${DEAD_TOPIC}-sub" --project "$PROJECT" ||
  gcloud pubsub subscriptions create "${DEAD_TOPIC}-sub" --project "$PROJECT" --topic "$DEAD_TOPIC" --message-retention-duration 7d
# Pub/Sub's service agent mints the invoker's tokens and forwards dead letters.
gcloud iam service-accounts add-iam-policy-binding "$INVOKER_ACCOUNT" --project "$PROJECT" --member "$PUBSUB_AGENT" --role roles/iam.serviceAccountTokenCreator
exists gcloud pubsub subscriptions describe "${TOPIC}-push" --project "$PROJECT" ||
  gcloud pubsub subscriptions create "${TOPIC}-push" --project "$PROJECT" \
    --topic "$TOPIC" \
    --push-endpoint "${URL}/_edd/pubsub" \
    --push-auth-service-account "$INVOKER_ACCOUNT" --push-auth-token-audience "$URL" \
    --enable-message-ordering \
    --ack-deadline 60 \
    --min-retry-delay 1s --max-retry-delay 60s \
    --dead-letter-topic "$DEAD_TOPIC" --max-delivery-attempts 5
gcloud pubsub topics add-iam-policy-binding "$DEAD_TOPIC" --project "$PROJECT" --member "$PUBSUB_AGENT" --role roles/pubsub.publisher
gcloud pubsub subscriptions add-iam-policy-binding "${TOPIC}-push" --project "$PROJECT" --member "$PUBSUB_AGENT" --role roles/pubsub.subscriber

# --- The outbox sweep and the projections, every minute, authenticated with the invoker's OIDC token.
schedule() { # name, path: an HTTP job every minute, authenticated with the invoker's OIDC token
  exists gcloud scheduler jobs describe "$1" --project "$PROJECT" --location "$REGION" ||
    gcloud scheduler jobs create http "$1" --project "$PROJECT" --location "$REGION" \
      --schedule "* * * * *" --http-method POST --uri "${URL}$2" \
      --oidc-service-account-email "$INVOKER_ACCOUNT" --oidc-token-audience "$URL" \
      --attempt-deadline 60s
}
schedule "${SERVICE}-sweep" /_edd/sweep
schedule "${SERVICE}-project" /_edd/project

# --- Uploads under commands/ become commands: Eventarc posts a CloudEvent to / for each finalized object.
STORAGE_AGENT="$(gcloud storage service-agent --project "$PROJECT")"
gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:${STORAGE_AGENT}" --role roles/pubsub.publisher --condition None
gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:${INVOKER_ACCOUNT}" --role roles/eventarc.eventReceiver --condition None
exists gcloud eventarc triggers describe "${SERVICE}-objects" --project "$PROJECT" --location "$REGION" ||
  gcloud eventarc triggers create "${SERVICE}-objects" --project "$PROJECT" --location "$REGION" \
    --destination-run-service "$SERVICE" --destination-run-region "$REGION" --destination-run-path / \
    --event-filters "type=google.cloud.storage.object.v1.finalized" \
    --event-filters "bucket=${BUCKET}" \
    --service-account "$INVOKER_ACCOUNT"

echo "service:  ${URL} (private: callers need roles/run.invoker and a token edd accepts)"
echo "publish:  gcloud pubsub topics publish ${TOPIC} --ordering-key <aggregateId> --attribute edd-realm=default --message '<POST /command body>'"
echo "upload:   gcloud storage cp commands.jsonl gs://${BUCKET}/commands/default/commands.jsonl"
