// What a person is told about an error, by its stable code alone: what happened, what to do next, and whether
// trying again can help. Every view shows errors through this one table (ErrorNotice, the Jobs list), so a
// code means the same thing everywhere. Messages are never parsed: a message is shown only when its code says
// it was written for people, and then without console method names.
import { consoleMethods } from '../../../electron/core/api.js';

/**
 * - `transient`: the same action may work a moment later (a server that was down, a full queue).
 * - `fix-first`: it works once something else is done (a model installed, settings saved); then retry.
 * - `permanent`: the same input fails the same way every time (an empty file, a bad key): retrying cannot help.
 */
export type ErrorKind = 'transient' | 'fix-first' | 'permanent';

export interface ErrorText {
  /** What happened, in a person's words. */
  title: string;
  /** The next step. */
  next: string;
  kind: ErrorKind;
  /**
   * The code's messages are written for people (they name the file, the host, the limit) and may be shown
   * under the title. False where the message can be raw validation text or internals.
   */
  showMessage: boolean;
}

const t = (kind: ErrorKind, title: string, next: string, showMessage = true): ErrorText => ({ title, next, kind, showMessage });

const agentUpgrade = "Upgrade the agent from its server's Deploy panel, so it and this console speak the same version.";
const redeployForToken = "Deploy the agent again from its server's Deploy panel (the console then gets a token for it), or set its token in Settings.";

/** Codes the agent answers with (job failures carry them as they are; refused requests arrive as AGENT_<code>). */
const agentCodes: Record<string, ErrorText> = {
  EMPTY_FILE: t('permanent', 'The file is empty', 'Check the file on disk (a copy that did not finish?) and drop a complete one.'),
  UNSUPPORTED_MEDIA: t(
    'permanent',
    'This is not an image, video or audio format the agent reads',
    'Convert it (for example to JPEG or PNG, MP4 or WebM, WAV or MP3) and drop the converted file.',
  ),
  CORRUPT_MEDIA: t('permanent', 'The file is damaged or cut short, so it cannot be decoded', 'Get a complete copy of the file (download or export it again) and drop that.'),
  PIXEL_LIMIT: t(
    'permanent',
    'The image has more pixels than the agent will decode',
    'Scale the image down (8000 px on the long side is plenty) and drop it again, or raise MEDIAFLEET_MAX_PIXELS on the agent.',
  ),
  DURATION_LIMIT: t(
    'permanent',
    'The recording is longer than the agent analyses',
    'Cut it into shorter parts, or raise MEDIAFLEET_MAX_DURATION_SEC on the agent and analyse it again.',
  ),
  FILE_TOO_LARGE: t('permanent', 'The file is larger than the agent accepts', 'Use a smaller file, or raise MEDIAFLEET_MAX_UPLOAD_BYTES on the agent.'),
  FILE_NOT_FOUND: t('permanent', 'The file is not there any more', 'Drop the file again.'),
  MODEL_MISSING: t(
    'fix-first',
    'A model this analysis needs is not installed on the agent',
    'Install it on that agent (npm run agent -- models pull <id>, or its server\'s model manager), then retry. Other analyses still run.',
  ),
  MODEL_CHECKSUM_MISMATCH: t('fix-first', 'A downloaded model file is damaged', 'Pull the model again on the agent, then retry.'),
  MODEL_DOWNLOAD_FAILED: t('transient', 'A model could not be downloaded', 'Check that the agent can reach the model mirror, then retry.'),
  MODEL_PULL_RUNNING: t('transient', 'That model is being downloaded already', 'Wait for the download to finish, then retry.'),
  BAD_REQUEST: t('fix-first', 'The agent could not read the request', agentUpgrade),
  TIMEOUT: t('transient', 'The analysis took longer than the agent allows', 'Retry when the agent is less busy, or with fewer analyses ticked; a long video can be cut into parts.'),
  CANCELED: t('transient', 'It was canceled', 'Start it again when you are ready.'),
  QUEUE_FULL: t('transient', 'The agent is busy: its queue is full', 'Retry in a minute, or send the file to another agent.'),
  UNAUTHORIZED: t('fix-first', "The agent does not accept the console's token", redeployForToken),
  FORBIDDEN: t('fix-first', "The console's token for this agent does not allow this", redeployForToken),
  NOT_FOUND: t('permanent', 'It is not there any more', 'The list was out of date: it is refreshed; pick again.'),
  INTERNAL: t('transient', 'The agent failed unexpectedly', "Retry; if it fails again, the agent's log says why.", false),
  MEDIA_TOOL_MISSING: t('fix-first', 'The agent has no ffmpeg to read video and audio', "Install Debian's ffmpeg on that agent's machine (scripts/setup.sh does), then retry. Images still work."),
  TENANT_QUEUE_FULL: t('transient', "This client's share of the agent's queue is full", 'Retry in a minute; other clients of the agent are not held up.'),
  TIMEOUT_ABOVE_LIMIT: t('permanent', 'The time limit asked for is above what the agent allows', "Ask for a shorter time limit, or raise the agent's MEDIAFLEET_MAX_JOB_TIMEOUT_MS."),
  IDEMPOTENCY_KEY_REUSED: t('permanent', 'That request key was already used for another file', 'Send it without the key, or with a new one.'),
  IMAGES_ONLY: t('permanent', 'The quick route takes images only', 'Send video and audio as a job (the console does this by itself when it sends files).'),
  UPLOAD_STALLED: t('transient', 'The upload stopped sending and was closed', 'Check the network between this console and the agent, then retry.'),
  UPLOAD_TOO_SLOW: t('transient', 'The upload was too slow and was closed', 'Retry when the network is less busy, or send the file to an agent closer to it.'),
  MALFORMED_MULTIPART: t('fix-first', 'The agent could not read the upload', agentUpgrade),
  CLIENT_CLOSED: t('transient', 'The connection closed before the upload was complete', 'Retry; the file is sent again from the start.'),
  URI_TOO_LONG: t('fix-first', 'The address sent to the agent was too long', agentUpgrade),
  RATE_LIMITED: t('transient', 'Too many requests with this token in a short time', 'Wait a minute and retry; the console slows down by itself when it is told to.'),
  OVERLOADED: t('transient', 'The agent is overloaded right now', 'Retry in a minute, or send the work to another agent.'),
  DISK_FULL: t('fix-first', "The agent's disk is full", 'Free space on that server (old uploads, Docker images) or erase finished jobs; uploads resume by themselves.'),
  CALLBACK_URL_REFUSED: t('permanent', 'The agent does not allow that callback address', 'Use an https address on the public internet, or ask the operator to allow it.'),
  WEBHOOK_SECRET_MISSING: t('fix-first', 'This client has no webhook secret yet', 'Create one on the agent (POST /v1/webhooks/secret), then retry.'),
  PAIRING_PROOF_INVALID: t('permanent', 'The rented agent did not accept the pairing proof', 'Nothing was installed on it. Destroy that GPU and rent another; the console pairs each new one by itself.'),
  PAIRING_DONE: t('permanent', 'The rented agent is already paired', 'It pairs only once. If this console lost its token, destroy that GPU and rent another.'),
  PAIRING_RATE_LIMITED: t('transient', 'The rented agent refused too many pairing tries', 'Wait a minute; the console tries again by itself.'),
  SELF_DESTROYING: t('transient', 'The rented GPU is shutting itself down', 'Its dead-man switch fired; the work goes to another agent by itself. Rent another GPU if you need one.'),
};

const consoleCodes: Record<string, ErrorText> = {
  // The console's own checks
  INVALID_INPUT: t(
    'permanent',
    'The console did not accept these values',
    'Check the fields and send them again. If the form shows no mistake, the page is older than the console: reload it.',
    false,
  ),
  INVALID_OUTPUT: t('transient', 'The console produced an answer it cannot use', 'Reload the page and try again; if it happens again, report it with the console log.', false),
  INTERNAL: t('transient', 'The console failed unexpectedly', "Retry; if it fails again, the console's log says why.", false),
  READ_ONLY: t('permanent', 'This console is read-only', 'Ask an operator to do this, or start the console without --read-only.', false),
  NOT_IMPLEMENTED: t('permanent', 'This part of the console is not in this build yet', 'Use a newer build of the console.', false),
  UNKNOWN_METHOD: t('permanent', 'This part of the console is not in this build yet', 'Reload the page; if it stays, use a newer build of the console.', false),
  FORBIDDEN_SENDER: t('permanent', 'The request did not come from the console window', 'Use the console from its own window.', false),
  UNAUTHORIZED: t('fix-first', 'This page has no valid console token', 'Open the exact URL the console printed when it started (…/#token=…).'),
  CONSOLE_UNREACHABLE: t('transient', 'The console does not answer', 'Check that the console (npm run console, or the desktop app) is still running, then retry.'),
  BAD_HOST: t('permanent', 'The console answers only on 127.0.0.1', 'Open it at the URL it printed.'),
  STORE_TOO_NEW: t('permanent', "The console's data was written by a newer console", 'Run the newer console, or point this one at another --data folder.'),
  ERROR: t('transient', 'Something went wrong', "Retry; if it happens again, the console's log says why."),

  // Files and analysis
  UPLOAD_FAILED: t('transient', 'The upload did not go through', 'Check that the console is still running and its disk has room, then retry.'),
  NO_FILE: t('permanent', 'No file arrived with the upload', 'Drop the file again.'),
  TOO_LARGE: t('permanent', 'The file is larger than this console accepts', 'Use a smaller file, or split a long recording into parts.'),
  NOT_MEDIA: t('permanent', 'Not an image, video or audio file', 'Only media is analysed; convert the file or leave it out.'),
  PATH_NOT_ALLOWED: t('permanent', 'The browser console analyses only files dropped into it', 'Drop the file in the Analyze view.'),
  FILE_NOT_FOUND: t('permanent', 'The file is not there any more', 'Drop the file again.'),
  ANALYZE_FAILED: t('transient', 'The file could not be sent for analysis', "Retry; if it fails again, the console's log says why."),
  REQUEST_GONE: t('permanent', 'This console no longer has this result', 'It was deleted from this console: analyse the file again.'),
  REQUEST_NOT_FOUND: t('permanent', 'This console has no such request', 'It was deleted, or the link is from another console; analyse the file again.'),
  FILE_SKIPPED: t('permanent', 'The console could not read this file', 'Check that the file is readable and is media, then drop it again.'),
  NOTHING_TO_ANALYSE: t('permanent', 'None of these is a file to analyse', 'Drop images, videos or audio files, or a folder that holds some.'),
  FILE_CHANGED: t('permanent', 'The file changed after it was submitted', 'Its contents are not what was submitted (another sha256): submit it again if the new version is the one to analyse.'),
  FILE_VANISHED: t('permanent', 'The file is gone from where it was submitted', 'Put it back, or drop it again from where it is now.'),
  AGENT_TOKEN_MISSING: t('fix-first', 'The console has no token for this agent', 'Deploy the agent again from its server, or remove the agent in Fleet and add it with a token.'),
  BATCH_NOT_FOUND: t('permanent', 'This console has no such batch', 'It was deleted; submit the files again.'),
  NOT_AN_IMAGE: t('permanent', 'Only images have a picture to draw on', 'Open the video or recording from its own result.'),
  RESULT_NOT_READY: t('transient', 'The result is not ready yet', 'Wait until the file is done; it appears by itself.'),
  RESULT_INVALID: t('fix-first', "The agent's result does not match what this console reads", agentUpgrade, false),
  AGENT_JOB_FAILED: t('transient', 'The agent gave up on the file', 'Retry; if it fails again, check the agent in Fleet.'),
  NOT_A_VIDEO: t('permanent', 'This file has no keyframes', 'Only videos analysed with the video analysis have keyframes.'),
  KEYFRAME_OUT_OF_RANGE: t('permanent', 'There is no such keyframe', 'Choose one from the filmstrip.'),
  KEYFRAME_GONE: t('permanent', 'The agent no longer keeps this picture', 'Analyse the file again to see its keyframes.'),
  KEYFRAME_TOO_LARGE: t('permanent', 'The agent sent a picture far larger than a thumbnail', agentUpgrade),
  FACE_NOT_FOUND: t('permanent', 'The agent does not know this face', 'Faces are searched on the agent that analysed the media: pick that agent, or analyse the photo again.'),
  PERSON_NOT_FOUND: t('permanent', 'The agent does not know this person any more', 'The list was out of date: it is refreshed; pick again.'),
  FACE_CROP_MISSING: t('permanent', 'No picture of this face is kept', 'Faces analysed before this agent kept face pictures have none; analyse the media again to get them.'),
  PERSONS_SAME: t('permanent', 'That is the same person', 'Choose two different persons to merge.'),
  NOT_FOUND: t('permanent', 'It is not there any more', 'The list was out of date: it is refreshed; pick again.'),

  // The built-in agent and agents in general
  LOCAL_AGENT_UNAVAILABLE: t('fix-first', 'This computer cannot analyse files in this console', 'Start the console with its built-in agent, or add a server in Fleet and analyse there.'),
  LOCAL_AGENT_FAILED: t('transient', 'The built-in agent stopped while starting', 'Restart the console; if it keeps failing, its log says why (or analyse on a server).'),
  LOCAL_AGENT_TIMEOUT: t('transient', 'The built-in agent took too long to start', 'Give it a moment and retry; on a slow machine the first start loads models for a while.'),
  LOCAL_AGENT_TOKEN: t('transient', 'The console could not get a token from its built-in agent', 'Restart the console.'),
  NOT_AN_AGENT: t('permanent', 'That address answers, but not as a Mediafleet agent', 'Check the URL: it is the agent itself (its /v1/info), not a page in front of it.'),
  AGENT_ALREADY_IN_FLEET: t('permanent', 'This agent is already in the fleet', 'It is listed under Agents; remove it there first to add it under another name.'),
  AGENT_DEPLOYED: t('permanent', 'This agent runs on a server the console deployed', 'Remove the server in Fleet instead; its agent goes with it.'),
  AGENT_CERT_MISMATCH: t(
    'fix-first',
    'The agent presented a certificate other than the pinned one',
    'Nothing was sent to it. Someone may be in between this computer and the agent; if that GPU was not set up again on purpose, destroy it in Fleet › GPUs and rent another.',
  ),
  AGENT_UNREACHABLE: t('transient', 'The agent does not answer', 'Check in Fleet that it is running and reachable from this computer, then retry.'),
  AGENT_UNKNOWN: t('permanent', 'There is no such agent', 'Pick an agent from the list.'),
  AGENT_REMOVED: t('permanent', 'The agent was removed from the console', 'The console can no longer erase its copy of the job; erase it on that agent itself if it still runs.'),
  AGENT_BAD_RESPONSE: t('fix-first', "The agent's answer made no sense to this console", agentUpgrade),
  AGENT_ROUTE_MISSING: t('fix-first', 'The agent is older than this console', agentUpgrade),
  AGENT_ERROR: t('transient', 'The agent refused without saying why', "Retry; if it happens again, the agent's log says why."),
  AGENT_NO_EVENTS: t('transient', "The agent's progress could not be followed", 'The console checks the job by asking instead; nothing to do.'),
  AGENT_NOT_ADMIN: t('fix-first', "The console's token for this agent cannot manage tokens", redeployForToken),
  AGENT_TOKEN_REJECTED: t('fix-first', "The agent does not accept the console's token", redeployForToken),
  AGENT_NO_TOKEN: t('fix-first', 'The console holds no token for this agent', redeployForToken),
  AGENT_CLI_FAILED: t('transient', "The agent's command on the server failed", 'Check the agent container in the Server view (Containers, its log), then retry.'),
  AGENT_BUNDLE_INCOMPLETE: t('fix-first', 'This console cannot build the agent bundle', 'Run npm install in the console folder, then retry.'),
  TOKEN_USED_BY_CONSOLE: t('permanent', 'The console itself uses this token', 'Revoke another token; to replace this one, deploy the agent again first.'),
  TOKEN_NOT_FOUND: t('permanent', 'That token is gone already', 'The list was out of date: it is refreshed.'),
  BENCH_RUNNING: t('transient', 'A benchmark is running on this agent already', 'Wait for it to finish, or cancel it, then start another.'),
  BENCH_TIMEOUT: t('transient', 'The benchmark took longer than allowed', 'Run it with fewer analyses ticked, or when the agent is idle.'),

  // Servers over SSH
  SERVER_NOT_FOUND: t('permanent', 'The server is not in the fleet any more', 'Open Fleet and pick it again, or add it.'),
  SERVER_EXISTS: t('permanent', 'This server is in the fleet already', 'Open it from Fleet; to add it again, remove the old entry first (Settings).'),
  INVALID_KEY: t(
    'permanent',
    'The private key cannot be read',
    'Paste the whole key, from -----BEGIN to END-----, or choose the key file; a key protected by a passphrase needs that passphrase.',
  ),
  SSH_CONNECT_FAILED: t(
    'transient',
    'The server cannot be reached over SSH',
    'Check the host and the SSH port, and that the server is on and lets this computer in. You can keep the server and set it up later.',
  ),
  SSH_TIMEOUT: t(
    'transient',
    'The server did not answer over SSH in time',
    'Check the host, the port and any firewall in between, then retry. You can keep the server and set it up later.',
  ),
  SSH_AUTH_FAILED: t('fix-first', 'The server refused the login', 'Check the user, and the password or key, then try again.'),
  SSH_AGENT_MISSING: t('fix-first', 'No ssh-agent is running for the console', 'Start ssh-agent (SSH_AUTH_SOCK) before the console, or log in with a key instead.'),
  SSH_KEY_MISSING: t('fix-first', "The console's key for this server is gone from the vault", 'Remove the server (Settings) and add it again.'),
  SSH_KEY_UNREADABLE: t('fix-first', "The console's key for this server cannot be read", 'Remove the server (Settings) and add it again with a key.'),
  SSH_EXEC_FAILED: t('transient', 'A command could not be started on the server', 'Retry; check that the server is not out of memory or processes.'),
  SFTP_FAILED: t('transient', 'Files could not be copied to the server', 'Retry; check that the server has disk space and SFTP enabled.'),
  REMOTE_TIMEOUT: t('transient', 'A command on the server took too long', 'Retry; a slow package mirror or a busy server can cause this.'),
  HOST_KEY_CHANGED: t(
    'fix-first',
    'The server shows a different host key than the one pinned',
    "Check the new fingerprint with the server's provider. If it is right (a reinstall), accept it in Settings; if not, someone may be in between.",
  ),
  PASSWORD_LOGIN_STILL_ENABLED: t('fix-first', 'Password login is still on after turning it off', "Check the server's sshd settings (another file may turn passwords on), then retry."),
  UPLOAD_TO_SERVER_FAILED: t('transient', 'A file could not be written on the server', 'Check the server has disk space, then retry.'),
  SHELL_FAILED: t('transient', 'The terminal could not be opened', 'Retry; check that the server is reachable.'),
  SHELL_NOT_FOUND: t('permanent', 'That terminal is closed', 'Open a new terminal.'),
  TOO_MANY_SHELLS: t('fix-first', 'Too many terminals are open', 'Close one, then open this one.'),

  // Provisioning, deploy, HTTPS
  PROVISION_LOCKED: t('transient', 'Another operation is working on this server', 'Wait for it to finish, or cancel it, then start again.'),
  STEP_FAILED: t('transient', 'A setup step failed on the server', 'Read the step and its log above, fix what it names, then retry: finished steps are skipped.'),
  STEP_VERIFY_FAILED: t('transient', 'A setup step ran but its result is not in place', 'Read the step and its log above, then retry.'),
  INTERRUPTED: t('transient', 'The operation stopped when the console stopped', 'Resume it or start it again: finished steps are skipped.'),
  OPERATION_NOT_FOUND: t('permanent', 'That operation is not on record', 'Start a new one.'),
  NOT_RESUMABLE: t('permanent', 'That operation cannot be resumed', 'Start a new one instead.'),
  ALREADY_DONE: t('permanent', 'That operation finished already', 'Nothing to do.'),
  DEPLOY_SETTINGS_MISSING: t('fix-first', 'This server has no deploy settings yet', "Save its domain, agent image and version in the server's Deploy panel first."),
  DEPLOY_VALUES_INVALID: t('fix-first', 'Some deploy settings are not usable', "Check the server's deploy settings (domain, image, version, port) and save them again.", false),
  DEPLOY_ENV_MISSING: t('fix-first', "The agent's settings file is missing on the server", 'Provision the server again: it writes the file.'),
  DEPLOY_HEALTH_FAILED: t('transient', 'The new agent did not come up healthy', 'Its log is above; fix what it names (often a port in use or too little memory), then deploy again. The old agent keeps running.'),
  DEPLOY_UNHEALTHY: t('transient', 'The agent is not healthy after the change', "Check its container log in the Server view, then retry or roll back."),
  DOCKER_UNREACHABLE: t('fix-first', 'Docker does not answer on the server', 'Provision the server (it installs and starts Docker), then retry.'),
  DOCKER_FAILED: t('transient', 'Docker refused a command on the server', 'Retry; its message above says what Docker did not like.'),
  AGENT_NOT_RUNNING: t('fix-first', 'No agent is running on this server', 'Deploy the agent on this server first.'),
  CONTAINER_NOT_FOUND: t('permanent', 'That container is gone', 'The list was out of date: it is refreshed.'),
  NOTHING_TO_ROLL_BACK: t('permanent', 'There is no earlier agent version on this server', 'Deploy the version you want instead.'),
  IMAGE_NOT_FOUND: t('fix-first', 'The agent image is not there', 'Build or pull the image first, or deploy from a registry.'),
  IMAGE_SOURCE_MISSING: t('fix-first', 'This console has no Docker engine to send the image from', 'Deploy from a registry instead.'),
  IMAGE_BUILD_FAILED: t('transient', 'The agent image could not be built', 'Read the build output above, fix it, then deploy again.'),
  IMAGE_LOAD_FAILED: t('transient', 'The server could not load the agent image', 'Check the server has disk space, then deploy again.'),
  IMAGE_TRANSFER_FAILED: t('transient', 'The agent image could not be copied to the server', 'Retry; a slow or broken connection can cause this.'),
  REGISTRY_CREDENTIAL_MISSING: t('fix-first', 'The registry login is not in the vault', 'Add the registry credentials first, then try again.'),
  TEMPLATE_VALUE_MISSING: t('fix-first', 'A deploy setting the templates need is empty', "Fill in the server's deploy settings and save them, then retry."),
  NGINX_CONFIG_INVALID: t('transient', 'nginx refused the new configuration', 'The old configuration stays in place; read the message, fix the deploy settings, then retry.'),
  NGINX_SWITCH_FAILED: t('transient', 'nginx could not switch to the new agent', 'The old agent keeps serving; retry, or check nginx on the server.'),
  SSL_REQUEST_INVALID: t('fix-first', 'The HTTPS form has a value the console cannot use', 'Check the domain and e-mail, then try again.', false),
  SSL_SETUP_FAILED: t('fix-first', 'HTTPS cannot be set up on this server yet', 'Do what the message says, then try again.'),
  CERT_RETRY_LATER: t('transient', 'The certificate authority may not be asked again yet', 'Try again after the time shown; until then it would refuse anyway.'),
  CERT_CHALLENGE_FAILED: t('fix-first', "The certificate authority could not verify the domain", 'Point the domain at this server (DNS A record) and open port 80, then try again.'),
  ACME_CHALLENGE_FAILED: t('fix-first', 'The certificate authority could not reach this server for the domain', 'Point the domain at this server (DNS A/AAAA record) and open port 80, then try again.'),
  ACME_CONNECTION_FAILED: t('transient', 'The certificate authority could not connect to this server', 'Open port 80 to the internet, then try again.'),
  ACME_DNS_FAILED: t('fix-first', 'The domain does not resolve', "Create the domain's DNS record pointing at this server, wait for it to spread, then try again."),
  ACME_RATE_LIMITED: t('transient', 'The certificate authority limits requests for this domain', 'Wait for the time shown, then try again; use staging while testing.'),
  ACME_CAA_FORBIDS: t('fix-first', "The domain's CAA record forbids this certificate authority", "Allow Let's Encrypt in the domain's CAA record, then try again."),
  ACME_BAD_EMAIL: t('fix-first', 'The certificate authority refused the e-mail address', 'Use a real address you read, then try again.'),
  ACME_SERVER_UNREACHABLE: t('transient', 'The certificate authority cannot be reached from the server', "Check the server's outgoing internet access, then try again."),
  CERTBOT_FAILED: t('transient', 'certbot failed on the server', 'Read its message, fix what it names, then try again.'),

  // Money
  COSTS_RATE_MISSING: t('fix-first', 'A conversion rate is missing', 'Enter how much one unit of that currency is worth in the display currency (Costs › Settings), then save again.'),
  COSTS_BAD_PERIOD: t('permanent', 'That period cannot be read', 'Pick a month, or a start before the end.'),
  BUDGET_EXHAUSTED: t('fix-first', 'The budget is spent: no GPU is rented', 'Raise the budget in Costs to rent again; work goes on on the servers meanwhile.'),
  // The GPU image (built and pushed from this computer)
  DOCKER_UNAVAILABLE: t('fix-first', "This computer's Docker engine is not available", 'Start Docker (Docker Desktop, or `sudo systemctl start docker`), or set DOCKER_HOST to the engine to use, then try again.'),
  DOCKER_CLI_MISSING: t('fix-first', 'The docker command is not installed on this computer', "Install Docker's command-line tool, or set MEDIAFLEET_DOCKER_CLI to its path, then try again."),
  REGISTRY_HOST_MISSING: t('permanent', 'The image name does not say which registry', 'Write it as <registry host>/<repository>:<tag>, e.g. registry.example.com/team/mediafleet-gpu:1.0.'),
  GPU_IMAGE_REFERENCE_INVALID: t('permanent', 'That is not a valid image name', 'Use lower-case letters, digits and . _ - in the repository, and a tag without spaces.'),
  REGISTRY_CREDENTIAL_MISMATCH: t('fix-first', 'That registry login is for another registry', 'Pick the login saved for the registry the image names, or save one for it.'),
  REGISTRY_AUTH_FAILED: t('fix-first', 'The registry refused the login', 'Save the right user name and password (or token) for the registry, then try again.'),
  REGISTRY_AUTH_REQUIRED: t('fix-first', 'The registry wants a login', 'Save the registry credentials and pick them when publishing.'),
  REGISTRY_DENIED: t('fix-first', 'The registry denies this login access to the repository', 'Give the account push rights to the repository, or publish under a repository it owns.'),
  REGISTRY_UNREACHABLE: t('transient', 'The registry cannot be reached', 'Check its address, that it runs and that this computer reaches it, then try again.'),
  REGISTRY_FAILED: t('transient', 'The registry answered in a way the console did not expect', 'Check that the address is a Docker registry (its /v2/ answers), then try again.'),
  GPU_IMAGE_PLATFORM_UNSUPPORTED: t('permanent', 'The GPU image can only be built on Linux x64', 'Publish from a Linux x64 computer: the image carries its native modules.'),
  GPU_IMAGE_PUBLISHING: t('transient', 'A GPU image is being published already', 'Wait for it to finish, or cancel it, then start again.'),
  GPU_IMAGE_PUSH_FAILED: t('transient', 'The GPU image could not be pushed', 'Read the message above, then try again; the last published image stays in use.'),
  GPU_IMAGE_NOT_IN_REGISTRY: t('transient', 'The registry does not show the pushed image', "Try again; if it repeats, check the registry's storage. The last published image stays in use."),
  GPU_IMAGE_VERIFY_FAILED: t('transient', 'The registry serves another image under that tag', 'Another push may have used the same tag: publish under a new tag. The last published image stays in use.'),
  GPU_IMAGE_PUBLISH_FAILED: t('transient', 'Publishing the GPU image failed', 'Read the log above, fix what it names, then try again; the last published image stays in use.'),

  // The console's vault
  VAULT_CORRUPT: t('permanent', "The console's vault file is damaged", 'Restore it from a backup, or move it away and add the servers again.'),
  VAULT_PASSPHRASE_REQUIRED: t('fix-first', 'The vault needs its passphrase', 'Start the console with MEDIAFLEET_VAULT_PASSPHRASE set.'),
  VAULT_WRONG_PASSPHRASE: t('fix-first', 'The vault passphrase is wrong', 'Start the console with the passphrase the vault was made with.'),
  VAULT_UNAVAILABLE: t('transient', "The system's key store is not ready yet", 'Wait a moment and retry.'),
  VAULT_INSECURE_BACKEND: t('fix-first', 'This desktop has no safe key store for secrets', 'Set MEDIAFLEET_VAULT_PASSPHRASE so the console encrypts the vault itself.'),

  // GPUs on Vast.ai (Settings › GPUs, Fleet › GPUs)
  VAST_NOT_CONFIGURED: t('fix-first', 'Vast.ai is not set up', 'Save a Vast.ai API key in Settings › GPUs (Vast.ai), then try again.'),
  VAST_AUTH_FAILED: t('fix-first', 'Vast.ai refused the API key', 'Paste a current key from vast.ai (Account › API keys) in Settings › GPUs (Vast.ai).'),
  VAST_FORBIDDEN: t('fix-first', 'The Vast.ai key may not do this', 'Use an account key with instance read and write permissions, not a restricted or per-instance key.'),
  VAST_KEY_OTHER_ACCOUNT: t('fix-first', 'That key belongs to another Vast.ai account', 'Destroy the open rentals in Fleet › GPUs first, or paste a key of the account they run on.'),
  VAST_NO_CREDIT: t('fix-first', 'The Vast.ai account has no credit', 'Add credit on vast.ai (Billing), then try again.'),
  VAST_IMAGE_NOT_SET: t('fix-first', 'No GPU image is set', 'Set the GPU image reference (the image Vast.ai pulls) in Settings › GPUs (Vast.ai), then rent again.'),
  VAST_FILTER_OUT_OF_RANGE: t('fix-first', 'An offer filter is out of range', 'Change the filter it names, then search again.'),
  VAST_OFFER_GONE: t('transient', 'That offer is taken or withdrawn', 'Search again and pick another offer.'),
  VAST_NO_OFFER_LEFT: t('transient', 'No matching offer was left to try', 'Search with wider filters (more GPU models, a higher price), then rent again.'),
  VAST_PAIRING_FAILED: t('transient', 'The rented machine did not prove it runs our agent', 'It answered with a certificate other than the one its agent proved (someone may be in between), so no token was sent and it was destroyed. Rent again: another machine is picked.'),
  VAST_BOOT_FAILED: t('transient', 'The rented machine did not start the agent', 'It was destroyed and nothing bills for it; rent again (another machine is picked).'),
  VAST_RENT_FAILED: t('transient', 'The GPU could not be rented', 'Read the steps and the log above: whatever was made was destroyed. Rent another offer.'),
  VAST_RATE_LIMITED: t('transient', 'Vast.ai asks the console to slow down', 'Wait a minute and try again; the CLI and the web console share the key’s limits.'),
  VAST_UNAVAILABLE: t('transient', 'Vast.ai cannot be reached or had a server error', 'Try again in a few minutes; status.vast.ai says whether Vast.ai is down.'),
  VAST_BAD_REQUEST: t('fix-first', 'Vast.ai refused the request', 'Change the value it names, then try again.'),
  VAST_BID_TOO_LOW: t('fix-first', 'The bid is below the offer’s minimum', 'Bid at least the minimum shown, or rent on demand.'),
  VAST_CREATE_OUTCOME_UNKNOWN: t('transient', 'Vast.ai did not say whether it rented the GPU', 'Nothing to do: the console looks for it by its label and destroys or adopts it.'),
  VAST_DESTROY_UNCONFIRMED: t(
    'transient',
    'Vast.ai has not confirmed the GPU is gone',
    'Press Destroy again; the console also retries every 5 minutes. If it stays, check on vast.ai (Instances).',
  ),
  VAST_RENTAL_NOT_FOUND: t('permanent', 'That rental is not on record', 'The list was out of date: it is refreshed.'),
  VAST_ENDPOINT_GONE: t('fix-first', 'Vast.ai retired a part of its API the console uses', 'Update Mediafleet; the key is fine.'),
  VAST_BAD_RESPONSE: t('transient', 'Vast.ai answered in a way the console does not understand', 'Try again; if it repeats, Vast.ai changed its API: update Mediafleet.'),
  VAST_ONSTART_TOO_LONG: t('fix-first', 'The rented agent’s start script is longer than Vast.ai allows', 'Update Mediafleet: its start script should fit.'),
  VAST_LABEL_TOO_LONG: t('fix-first', 'Vast.ai refused the instance label', 'Update Mediafleet: its labels should fit in 256 characters.'),
  VAST_LABEL_NOT_UNIQUE: t('transient', 'Two instances carry one rental’s label', 'Nothing to do: the console’s reconcile destroys the one it did not keep.'),
  VAST_INVALID_REQUEST: t('fix-first', 'The rental request is not one Vast.ai takes', 'Change the value it names, then rent again.'),
  VAST_INSTANCE_NOT_FOUND: t('permanent', 'Vast.ai does not know that instance', 'It is gone already: the list is refreshed.'),
  VAST_ERROR: t('transient', 'Vast.ai answered with an error', 'Read what it said above, then try again.'),
  VAST_ENV_TOO_LONG: t('fix-first', 'A setting for the rented agent is longer than Vast.ai allows', 'Shorten it (each value at most 256 characters), then rent again.'),
};

const fallback = t('transient', 'Something went wrong', "Retry; if it happens again, the console's log says why.");

/** The person's text for an error code; an agent code the console passed on as AGENT_<code> reads as the agent's. */
export function errorText(code: string): ErrorText {
  if (Object.hasOwn(consoleCodes, code)) return consoleCodes[code]!;
  if (Object.hasOwn(agentCodes, code)) return agentCodes[code]!;
  const agentCode = code.startsWith('AGENT_') ? code.slice('AGENT_'.length) : null;
  if (agentCode && Object.hasOwn(agentCodes, agentCode)) return agentCodes[agentCode]!;
  return fallback;
}

/** Every code with its own text (for the tests that check each has a next step). */
export const knownErrorCodes: readonly string[] = [...Object.keys(consoleCodes), ...Object.keys(agentCodes)];

/** Retrying the same thing can help (transient, or once the next step is done); false for permanent failures. */
export function canRetryError(code: string): boolean {
  return errorText(code).kind !== 'permanent';
}

const methodNames = Object.keys(consoleMethods)
  .sort((a, b) => b.length - a.length)
  .map((name) => name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
const methodPattern = new RegExp(`\\s*\\((?:${methodNames.join('|')})\\)|"(?:${methodNames.join('|')})"\\s*|\\b(?:${methodNames.join('|')})\\b:?\\s*`, 'g');

/** A message as it may be shown: without console method names (a person never calls those). */
export function withoutMethodNames(message: string): string {
  const cleaned = message.replace(methodPattern, '').replace(/\s{2,}/g, ' ').trim();
  return cleaned.charAt(0).toUpperCase() + cleaned.slice(1);
}

export interface ShownError {
  code: string;
  title: string;
  /** The error's own message when its code allows showing it (names the file, host, limit), else null. */
  detail: string | null;
  next: string;
  kind: ErrorKind;
  retryable: boolean;
}

/** Everything a view shows for one error. */
export function describeError(error: { code: string; message: string }): ShownError {
  const text = errorText(error.code);
  const detail = text.showMessage && error.message.trim() ? withoutMethodNames(error.message) : null;
  return {
    code: error.code,
    title: text.title,
    // The same words twice read as a stutter ("It was canceled. Canceled.").
    detail: detail && detail.toLowerCase().replace(/[.\s]+$/, '') !== text.title.toLowerCase() ? detail : null,
    next: text.next,
    kind: text.kind,
    retryable: text.kind !== 'permanent',
  };
}
