# streambench in a container: the image that deploy/k8s/job.yaml runs.
#   docker build -t streambench .
#   docker run --rm streambench                       # the demo, against the built-in simulated endpoint
#   docker run --rm -e OPENAI_API_KEY -v "$PWD/my:/config" streambench scripts/run.ts -c /config/config.json
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# The lockfile alone first, so the dependency layer is cached across code changes.
# tsx is a runtime dependency: the scripts run as TypeScript, with no build step.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
RUN mkdir -p results && chown node:node results

USER node
ENTRYPOINT ["npx", "tsx"]
CMD ["scripts/run.ts"]
