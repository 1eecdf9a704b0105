# streambench in a container: the image that deploy/k8s/job.yaml runs.
#   docker build -t streambench .
#   docker run --rm streambench                       # the demo, against the built-in simulated endpoint
#   docker run --rm -e OPENAI_API_KEY -v "$PWD/my:/config" streambench scripts/run.ts -c /config/config.json
# node itself is the container's main process (no npx or tsx launcher in between), so the
# SIGTERM of `docker stop` or a Kubernetes eviction reaches the run: it aborts what is in
# flight, writes the partial results and exits 143.
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
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["scripts/run.ts"]
