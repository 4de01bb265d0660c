import './styles/base.css'

import { createApp } from 'vue'

import { setUnauthorizedHandler } from './api/client'
import App from './App.vue'
import { forgetSession, session } from './auth/session'
import { router } from './router'

// A 401 from any call other than the auth ones means the session has ended: back to the login page.
setUnauthorizedHandler((url) => {
  if (url.includes('/api/v1/auth/') || !session.user) return
  forgetSession()
  const current = router.currentRoute.value
  void router.replace({ name: 'login', query: { redirect: current.fullPath } })
})

createApp(App).use(router).mount('#app')
