// The whole story in three browsers, as a new user plays it from the landing page: a
// customer chats from the shop's widget, agent1 answers in the agent desktop, supervisor1
// monitors, coaches (the customer never sees it), barges in, and the agent completes.
// With PARLEY_SCREENSHOTS=1 it also saves the README's screenshots in docs/screenshots/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '../lib/fixtures.js';
import { CustomerWidget } from '../lib/customer.js';
import { AgentDesktop } from '../lib/agent.js';
import { SupervisorConsole } from '../lib/supervisor.js';

const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');
async function shot(page, name) {
  if (process.env.PARLEY_SCREENSHOTS === '1') await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

const WHISPER = 'Psst: offer the ten percent loyalty voucher';
const BARGE = 'Hello Carol, I lead the support team: the voucher is yours';

test('the whole story: customer, agent and supervisor in three browsers', async ({ newPage }) => {
  const landing = await newPage();
  await landing.goto('/');
  await expect(landing.locator('#demo-users tr')).toHaveCount(4);
  await shot(landing, 'landing');

  // agent1 signs in and goes Ready.
  const agentPage = await newPage();
  const agent = new AgentDesktop(agentPage);
  await agent.signIn('agent1');
  await agent.setReady();

  // supervisor1 monitors every chat agent1 takes.
  const supPage = await newPage();
  const sup = new SupervisorConsole(supPage);
  await sup.signIn('supervisor1');
  await sup.expectAgentState('agent1', 'Ready');
  await sup.startSupervision('agent1', { mode: 'Monitor', scope: 'AllChats', includeCurrent: true });
  await shot(supPage, 'supervisor-floor');

  // The customer starts a chat from the shop page's widget.
  const customerPage = await newPage();
  const widget = new CustomerWidget(customerPage);
  await widget.goto();
  await shot(customerPage, 'customer-shop');
  await widget.start('Carol', 'Waterproof tent');
  await widget.send('Hi, is the Ridge tent really waterproof?');

  // agent1 gets the offer, accepts, and answers.
  await agent.waitForOffer('Carol');
  await shot(agentPage, 'agent-offer');
  await agent.accept('Carol');
  await widget.waitForAgentJoined('Alice');
  await agent.expectMessage('Hi, is the Ridge tent really waterproof?');
  await agent.send('Yes: the Ridge has taped seams and a 3000 mm flysheet.');
  await widget.expectMessage('Yes: the Ridge has taped seams and a 3000 mm flysheet.');

  // The supervisor was joined silently: the chat opens with the whole transcript, nobody sees them.
  await expect(sup.tab('Carol')).toBeVisible();
  await sup.openChat('Carol');
  await sup.expectBanner('Monitor');
  await expect(sup.composer).toBeDisabled();
  await sup.expectMessage('Yes: the Ridge has taped seams and a 3000 mm flysheet.');
  await agent.expectNoSupervisorSign();

  // One click to coach, and a whisper: the agent sees it, marked; the customer never does.
  await sup.switchTo('Coach');
  await sup.send(WHISPER);
  await sup.expectMessage(WHISPER, { whisper: true });
  await agent.expectCoachingSign('supervisor1');
  await agent.expectMessage(WHISPER, { whisper: true });
  await shot(supPage, 'supervisor-coaching');
  await shot(agentPage, 'agent-coached');
  // A later message reaches the customer, so anything sent before it would have too.
  await agent.send('Good news: I can offer you a loyalty voucher.');
  await widget.expectMessage('Good news: I can offer you a loyalty voucher.');
  expect(await widget.transcriptText()).not.toContain(WHISPER);
  await expect(customerPage.getByText(WHISPER)).toHaveCount(0);
  await expect(customerPage.getByText(/supervisor/i)).toHaveCount(0);
  await shot(customerPage, 'customer-chatting');

  // Barge in: now the customer sees the supervisor and what they say.
  await sup.switchTo('BargeIn');
  await sup.send(BARGE);
  await widget.expectMessage(BARGE);
  await expect(widget.log.getByText('supervisor1 joined the chat', { exact: true })).toBeVisible();
  await agent.expectBargeSign('supervisor1');
  await shot(customerPage, 'customer-barged-in');
  await shot(supPage, 'supervisor-barged-in');
  expect(await widget.transcriptText()).not.toContain(WHISPER);

  // The agent completes: the customer's chat ends, the supervisor's copy too.
  await agent.complete();
  await expect(widget.panel.getByText(/chat has ended/i).first()).toBeVisible();
  await expect(supPage.locator('#chat-state')).not.toHaveText('Live', { timeout: 10_000 });
  await shot(agentPage, 'agent-completed');

  // Last look: the customer's transcript download holds the conversation but no whisper.
  const { text: transcript } = await widget.downloadTranscript();
  expect(transcript).toContain('Hi, is the Ridge tent really waterproof?');
  expect(transcript).toContain(BARGE);
  expect(transcript).not.toContain(WHISPER);
});
