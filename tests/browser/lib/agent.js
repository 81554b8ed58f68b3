// Page object of the agent desktop (/agent), for Playwright tests.
//
//   const desk = new AgentDesktop(page);          // page: a Playwright page in its own context
//   await desk.signIn('agent1');                  // password defaults to the demo "password"
//   await desk.setReady();  await desk.setNotReady('Lunch');
//   const offer = await desk.waitForOffer('Cust'); // the offer card (optionally from this customer)
//   await desk.accept();  /  await desk.reject(); // acts on the (first) offer card
//   await desk.openChat('Cust');                  // select a chat tab by customer nickname or index
//   await desk.send('Hello', { agentsOnly: true }); // in the selected chat
//   await desk.expectMessage('Hi', { whisper: true }); // in the selected chat's transcript
//   await desk.expectCoachingSign('supervisor1'); await desk.expectBargeSign('supervisor1');
//   await desk.expectNoSupervisorSign();
//   await desk.transfer({ agentId }) / transfer({ queue: 'customer-support' });
//   await desk.consult(agentId); await desk.conference(agentId);
//   await desk.complete();   await desk.signOut();
//
// Every method waits on visible state (Playwright's auto-waiting expect), never on sleeps.
import { expect } from '@playwright/test';

export class AgentDesktop {
  constructor(page) {
    this.page = page;
  }

  async signIn(user, password = 'password') {
    const page = this.page;
    if (!page.url().includes('/agent')) await page.goto('/agent');
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText(`(${user})`)).toBeVisible();
    await expect(this.state).toHaveText(/Not ready|Ready/);
  }

  async signOut() {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await expect(this.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  }

  /** The user id of the signed-in agent (shown on the header). */
  async userId() {
    return this.page.locator('#who').getAttribute('data-user-id');
  }

  get state() { return this.page.locator('#state-current'); }

  async setReady() {
    await this.page.getByRole('button', { name: 'Ready', exact: true }).click();
    await expect(this.state).toHaveText('Ready');
  }

  async setNotReady(reason) {
    await this.page.getByLabel('Not ready reason').selectOption(reason ? { label: reason } : { value: '' });
    await this.page.getByRole('button', { name: 'Not ready', exact: true }).click();
    await expect(this.state).toHaveText(reason ? new RegExp(`: ${reason}$`) : /^Not ?ready$/i);
  }

  offers() { return this.page.locator('.offer-card'); }

  async waitForOffer(customer) {
    const card = customer ? this.offers().filter({ hasText: customer }) : this.offers().first();
    await expect(card).toBeVisible();
    return card;
  }

  async accept(customer) {
    const card = await this.waitForOffer(customer);
    const name = (await card.getByRole('heading').textContent()).replace('Incoming chat from ', '');
    await card.getByRole('button', { name: 'Accept' }).click();
    await expect(card).toHaveCount(0);
    await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true');
  }

  async reject(customer) {
    const card = await this.waitForOffer(customer);
    await card.getByRole('button', { name: 'Reject' }).click();
    await expect(card).toHaveCount(0);
  }

  tabs() { return this.page.getByRole('tab'); }

  tab(which) {
    return typeof which === 'number' ? this.tabs().nth(which) : this.tabs().filter({ hasText: which }).first();
  }

  async openChat(which) {
    await this.tab(which).click();
    await expect(this.tab(which)).toHaveAttribute('aria-selected', 'true');
  }

  /** The selected chat's panel. */
  get panel() { return this.page.locator('[role="tabpanel"]:not([hidden])'); }

  transcriptLine(text) { return this.panel.locator('.transcript li').filter({ hasText: text }); }

  async send(text, { agentsOnly = false } = {}) {
    const panel = this.panel;
    await panel.getByLabel(agentsOnly ? 'Agents only (whisper)' : 'To customer').check();
    await panel.getByLabel('Message', { exact: true }).fill(text);
    await panel.getByRole('button', { name: 'Send', exact: true }).click();
    await this.expectMessage(text, { whisper: agentsOnly });
  }

  async expectMessage(text, { whisper } = {}) {
    const line = this.transcriptLine(text).last();
    await expect(line).toBeVisible();
    if (whisper === true) {
      await expect(line).toHaveClass(/\bwhisper\b/);
      await expect(line).toContainText('Agents only');
    } else if (whisper === false) {
      await expect(line).not.toHaveClass(/\bwhisper\b/);
    }
    return line;
  }

  async expectCoachingSign(nickname = 'supervisor1') {
    await expect(this.panel.locator('.badge.coach[data-sign="coach"]')).toHaveText(`${nickname} is coaching you`);
  }

  async expectBargeSign(nickname = 'supervisor1') {
    await expect(this.panel.locator('.badge.barge[data-sign="barge"]')).toHaveText(`${nickname} has barged in`);
  }

  async expectNoSupervisorSign() {
    await expect(this.panel.locator('.supervisor-signs .badge')).toHaveCount(0);
  }

  async targetAgent(agentId) {
    await this.panel.getByLabel('Another agent').fill(agentId);
  }

  /** transfer({agentId}) offers the chat to that agent; transfer({queue}) sends it back to a queue. */
  async transfer({ agentId, queue } = {}) {
    if (queue) {
      await this.panel.getByLabel('Queue').fill(queue);
      await this.panel.getByRole('button', { name: 'Transfer to queue' }).click();
      return;
    }
    await this.targetAgent(agentId);
    await this.panel.getByRole('button', { name: 'Transfer', exact: true }).click();
    await expect(this.panel.locator('.chat-status')).toContainText('Transfer offered to');
  }

  async consult(agentId) {
    await this.targetAgent(agentId);
    await this.panel.getByRole('button', { name: 'Consult', exact: true }).click();
    await expect(this.panel.locator('.chat-status')).toContainText('Consultation offered to');
  }

  async conference(agentId) {
    await this.targetAgent(agentId);
    await this.panel.getByRole('button', { name: 'Conference', exact: true }).click();
  }

  async complete() {
    await this.panel.getByRole('button', { name: 'Complete', exact: true }).click();
    await this.expectEnded();
  }

  async expectEnded() {
    await expect(this.panel.getByText('This chat has ended.')).toBeVisible();
    await expect(this.panel.getByRole('button', { name: 'Complete', exact: true })).toBeHidden();
  }
}
