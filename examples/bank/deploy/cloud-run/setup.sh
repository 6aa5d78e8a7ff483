#!/usr/bin/env bash
# Deploys the bank to Cloud Run and wires the command topic to it by Pub/Sub push, with a
# dead-letter topic. Run from the repository root after `npm run build`. Needs gcloud, logged in.
set -euo pipefail

PROJECT="${PROJECT:?set PROJECT}"
REGION="${REGION:-europe-west1}"
SERVICE="${SERVICE:-edd-bank}"
IMAGE="${REGION}-docker.pkg.dev/${PROJECT}/edd/${SERVICE}"
# Pub/Sub pushes as this service account with a Google-signed OIDC token; edd verifies it (docs/deploy.md).
PUSH_ACCOUNT_NAME="${SERVICE}-push"
PUSH_ACCOUNT="${PUSH_ACCOUNT_NAME}@${PROJECT}.iam.gserviceaccount.com"
PUSH_AUDIENCE="${SERVICE}-push"

# The image holds only dist/cloud-run (see the Dockerfile); Artifact Registry keeps it.
gcloud artifacts repositories create edd --project "$PROJECT" --location "$REGION" --repository-format docker 2>/dev/null || true
gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet
docker build -f examples/bank/deploy/cloud-run/Dockerfile -t "$IMAGE" dist/cloud-run
docker push "$IMAGE"

gcloud iam service-accounts create "$PUSH_ACCOUNT_NAME" --project "$PROJECT" --display-name "Pub/Sub push to ${SERVICE}" 2>/dev/null || true

# Public HTTP: edd's authenticator decides who may call. The push routes accept only the push
# account's OIDC tokens for this audience; without EDD_PUSH_* settings the service refuses to start.
gcloud run deploy "$SERVICE" --project "$PROJECT" --region "$REGION" --image "$IMAGE" \
  --allow-unauthenticated --set-env-vars "EDD_PUSH_AUDIENCE=${PUSH_AUDIENCE},EDD_PUSH_SERVICE_ACCOUNT=${PUSH_ACCOUNT}"
URL="$(gcloud run services describe "$SERVICE" --project "$PROJECT" --region "$REGION" --format 'value(status.url)')"

# Commands in, and where Pub/Sub puts those that keep failing (it needs a subscription, or they are lost).
gcloud pubsub topics create edd-bank-commands --project "$PROJECT"
gcloud pubsub topics create edd-bank-commands-dead --project "$PROJECT"
gcloud pubsub subscriptions create edd-bank-commands-dead-sub --project "$PROJECT" --topic edd-bank-commands-dead

PROJECT_NUMBER="$(gcloud projects describe "$PROJECT" --format 'value(projectNumber)')"
PUBSUB_AGENT="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"

# Pub/Sub's service agent mints the push account's tokens.
gcloud iam service-accounts add-iam-policy-binding "$PUSH_ACCOUNT" --project "$PROJECT" --member "$PUBSUB_AGENT" --role roles/iam.serviceAccountTokenCreator

gcloud pubsub subscriptions create edd-bank-commands-push --project "$PROJECT" \
  --topic edd-bank-commands \
  --push-endpoint "${URL}/_edd/pubsub" \
  --push-auth-service-account "$PUSH_ACCOUNT" --push-auth-token-audience "$PUSH_AUDIENCE" \
  --enable-message-ordering \
  --ack-deadline 60 \
  --min-retry-delay 1s --max-retry-delay 60s \
  --dead-letter-topic edd-bank-commands-dead --max-delivery-attempts 5

# Pub/Sub's service agent forwards dead letters: it must publish there and acknowledge here.
gcloud pubsub topics add-iam-policy-binding edd-bank-commands-dead --project "$PROJECT" --member "$PUBSUB_AGENT" --role roles/pubsub.publisher
gcloud pubsub subscriptions add-iam-policy-binding edd-bank-commands-push --project "$PROJECT" --member "$PUBSUB_AGENT" --role roles/pubsub.subscriber

echo "service: ${URL}"
echo "publish: gcloud pubsub topics publish edd-bank-commands --ordering-key <aggregateId> --attribute edd-realm=default --message '<POST /command body>'"
