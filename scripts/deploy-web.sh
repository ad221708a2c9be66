#!/usr/bin/env bash
# Uploads the pages (web/) to the Static Web App that infra/main.bicep made, with web/config.js filled in from that
# deployment: the API at the function app's URL and Stripe's publishable key. The token hook (getToken in config.js)
# is yours to write for your identity provider first (docs/web.md, "The token hook").
#
#   STRIPE_PUBLISHABLE_KEY=pk_live_... scripts/deploy-web.sh <resource-group> [deployment-name]
#
# Needs the Azure CLI (signed in) and Node.js (npx runs the Static Web Apps CLI, @azure/static-web-apps-cli).
set -euo pipefail
cd "$(dirname "$0")/.."

group=${1:?usage: STRIPE_PUBLISHABLE_KEY=pk_... scripts/deploy-web.sh <resource-group> [deployment-name]}
deployment=${2:-main}
key=${STRIPE_PUBLISHABLE_KEY:?set STRIPE_PUBLISHABLE_KEY (pk_live_... or pk_test_...)}
case "$key" in pk_live_*|pk_test_*) ;; *) echo "STRIPE_PUBLISHABLE_KEY is not a publishable key" >&2; exit 2 ;; esac

output() { az deployment group show -g "$group" -n "$deployment" --query "properties.outputs.$1.value" -o tsv; }
api_host=$(output functionAppHostName)
web_name=$(output webName)

site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
cp -r web/. "$site/"
# The template always gives the API a PayPal account, and PayPal's way back defaults to this site's invoice page.
sed -i -e "s|https://FUNCTION_APP_HOST/api|https://${api_host}/api|" -e "s|STRIPE_PUBLISHABLE_KEY|${key}|" \
  -e "s|^  paypal: false,|  paypal: true,|" "$site/config.js"
if grep -q 'FUNCTION_APP_HOST\|STRIPE_PUBLISHABLE_KEY' "$site/config.js"; then
  echo "config.js still has placeholders" >&2
  exit 1
fi

token=$(az staticwebapp secrets list -g "$group" -n "$web_name" --query properties.apiKey -o tsv)
npx --yes @azure/static-web-apps-cli deploy "$site" --deployment-token "$token" --env production
echo "pages: $(output webUrl)"
